// The optional Elastix / FreePBX HTTP API in the main window: the CDR import
// (progress from `ringside://cdr-import`, then "imported N, merged M") and
// the PBX's own list of live calls. Both only render and invoke; the shell
// talks to the PBX. The window stays usable while an import runs.

import { byId, el, outsideText } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { CdrImportSummary } from "../bindings/CdrImportSummary";
import type { ImportProgress } from "../bindings/ImportProgress";
import { formatDuration, t } from "../i18n";


/** "Imported 4 calls, merged 1 already in history." */
export function summaryText(s: CdrImportSummary): string {
  let text = t("cdr.imported", { count: s.imported, merged: s.merged, recordings: s.recordingsAdded });
  if (s.skipped > 0) text += " " + t("cdr.skipped", { count: s.skipped });
  return text;
}

function showProgress(p: ImportProgress): void {
  const bar = byId<HTMLProgressElement>("cdr-import-progress");
  bar.hidden = false;
  bar.max = Math.max(p.total, 1);
  bar.value = p.done;
  const m = byId("cdr-import-message");
  m.textContent = t("cdr.progress", { done: p.done, total: p.total });
  m.dataset.kind = "ok";
}

async function runImport(): Promise<void> {
  const button = byId<HTMLButtonElement>("cdr-import");
  const m = byId("cdr-import-message");
  button.disabled = true;
  m.textContent = t("cdr.asking");
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
          c.bridgedTo ? " · " + t("pbxCalls.with", { name: c.bridgedTo }) : "",
          c.seconds !== undefined ? ` · ${formatDuration(c.seconds * 1000)}` : "",
        ]),
      ),
    );
    m.textContent = channels.length === 0 ? t("pbxCalls.none") : "";
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
