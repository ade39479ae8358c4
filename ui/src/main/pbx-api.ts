// The optional Elastix / FreePBX HTTP API in the main window: the CDR import
// (progress from `ringside://cdr-import`, then "imported N, merged M") and
// the PBX's own list of live calls. Both only render and invoke; the shell
// talks to the PBX. The window stays usable while an import runs.

import { byId, el, outsideText } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { CdrImportSummary } from "../bindings/CdrImportSummary";
import type { ImportProgress } from "../bindings/ImportProgress";

const count = new Intl.NumberFormat();

function calls(n: number): string {
  return `${count.format(n)} ${n === 1 ? "call" : "calls"}`;
}

/** "Imported 4 calls, merged 1 already in history." */
export function summaryText(s: CdrImportSummary): string {
  const parts = [`Imported ${calls(s.imported)}`, `merged ${count.format(s.merged)} already in history`];
  if (s.recordingsAdded > 0) parts.push(`${count.format(s.recordingsAdded)} gained a recording`);
  let text = parts.join(", ") + ".";
  if (s.skipped > 0) text += ` ${calls(s.skipped)} could not be read and were left out.`;
  return text;
}

function showProgress(p: ImportProgress): void {
  const bar = byId<HTMLProgressElement>("cdr-import-progress");
  bar.hidden = false;
  bar.max = Math.max(p.total, 1);
  bar.value = p.done;
  const m = byId("cdr-import-message");
  m.textContent = `Importing… ${count.format(p.done)} of ${count.format(p.total)}`;
  m.dataset.kind = "ok";
}

async function runImport(): Promise<void> {
  const button = byId<HTMLButtonElement>("cdr-import");
  const m = byId("cdr-import-message");
  button.disabled = true;
  m.textContent = "Asking the PBX for its call records…";
  m.dataset.kind = "ok";
  try {
    const summary = await command("import_cdr");
    m.textContent = summaryText(summary);
    m.dataset.kind = "ok";
  } catch (e) {
    m.textContent = errorText(e);
    m.dataset.kind = "error";
  } finally {
    byId<HTMLProgressElement>("cdr-import-progress").hidden = true;
    button.disabled = false;
  }
}

async function loadPbxCalls(): Promise<void> {
  const m = byId("pbx-calls-message");
  try {
    const channels = await command("list_pbx_calls");
    byId("pbx-calls").replaceChildren(
      ...channels.map((c) =>
        el("li", { testid: "pbx-call", attrs: { "data-channel": c.channel } }, [
          outsideText(c.callerId || c.channel, { class: "name" }),
          ` · ${c.state}`,
          c.bridgedTo ? ` · with ${c.bridgedTo}` : "",
          c.seconds !== undefined ? ` · ${Math.floor(c.seconds / 60)}:${String(c.seconds % 60).padStart(2, "0")}` : "",
        ]),
      ),
    );
    m.textContent = channels.length === 0 ? "No calls on the PBX right now." : "";
    m.dataset.kind = "ok";
  } catch (e) {
    m.textContent = errorText(e);
    m.dataset.kind = "error";
  }
}

export async function startPbxApi(): Promise<void> {
  byId("cdr-import").addEventListener("click", () => void runImport());
  byId("pbx-calls-refresh").addEventListener("click", () => void loadPbxCalls());
  await onEvent(EVENTS.cdrImport, showProgress);
  const settings = await command("get_settings");
  const configured = (settings.elastixUrl ?? "").trim() !== "";
  byId("cdr-import-row").hidden = !configured;
  byId("pbx-calls-box").hidden = !configured;
  if (configured) await loadPbxCalls();
}
