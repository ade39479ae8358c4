// Call history and missed calls: searchable, with notes and call-back.

import { byId, el, outcomeText, outsideText, shortTime } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { CallRow } from "../bindings/CallRow";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import type { Outcome } from "../bindings/Outcome";
import { dialNumber } from "./dialer";

const HISTORY_LIMIT = 200;

function say(id: string, text: string, kind: "ok" | "error" = "ok"): void {
  const m = byId(id);
  m.textContent = text;
  m.dataset.kind = kind;
}

function callerOf(row: CallRow): string {
  return row.contactName?.trim() || row.remoteName?.trim() || "Unknown caller";
}

function notesCell(row: CallRow, messageId: string, refresh: () => void): HTMLTableCellElement {
  const cell = el("td", { testid: "row-notes" });
  for (const note of row.notes) {
    cell.append(el("span", { class: "note-line", testid: "row-note" }, [outsideText(note.text, { max: 120 })]));
  }
  const input = el("input", {
    class: "input",
    testid: "row-note-input",
    attrs: { type: "text", maxlength: "2000", "aria-label": `Note for the call from ${callerOf(row)}` },
  });
  const save = el("button", { class: "button", testid: "row-note-save", text: "Save note", attrs: { type: "submit" } });
  const form = el("form", { class: "search-row" }, [input, save]);
  form.hidden = true;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (text === "") return;
    try {
      await command("add_note", { callId: row.callId, number: row.remoteNum, text });
      say(messageId, "Note saved.");
      refresh();
    } catch (err) {
      say(messageId, errorText(err), "error");
    }
  });
  const open = el("button", { class: "button", testid: "row-add-note", text: "Add note", attrs: { type: "button" } });
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    input.focus();
  });
  cell.append(open, form);
  return cell;
}

function callBackButton(row: CallRow): HTMLButtonElement {
  const b = el("button", { class: "button", testid: "row-call-back", text: "Call back", attrs: { type: "button" } });
  b.addEventListener("click", () => void dialNumber(row.remoteNum, `${callerOf(row)} (${row.remoteNum})`));
  return b;
}

function baseCells(row: CallRow): HTMLTableCellElement[] {
  return [
    el("td", { text: shortTime(row.startedAtMs) }),
    el("td", { class: "name", testid: "row-caller" }, [outsideText(callerOf(row))]),
    el("td", { testid: "row-number", text: row.remoteNum, attrs: { dir: "ltr" } }),
  ];
}

let historySeq = 0;

async function loadHistory(): Promise<void> {
  const seq = ++historySeq;
  const text = byId<HTMLInputElement>("history-text").value.trim();
  const outcome = byId<HTMLSelectElement>("history-outcome").value as Outcome | "";
  const query: HistoryQuery = { limit: HISTORY_LIMIT };
  if (text !== "") query.text = text;
  if (outcome !== "") query.outcome = outcome;
  try {
    const rows = await command("search_history", { query });
    if (seq !== historySeq) return; // a newer search is on its way; its rows win
    byId("history-rows").replaceChildren(
      ...rows.map((row) =>
        el("tr", { testid: "history-row", attrs: { "data-call": row.callId } }, [
          ...baseCells(row),
          el("td", { class: `outcome-${row.outcome}`, testid: "row-outcome", text: outcomeText(row.outcome, row.answeredBy) }),
          notesCell(row, "history-message", () => void refreshAll()),
          el("td", {}, [callBackButton(row)]),
        ]),
      ),
    );
    const empty = byId("history-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = text || outcome ? "No calls match." : "No calls yet.";
  } catch (e) {
    say("history-message", errorText(e), "error");
  }
}

async function loadMissed(): Promise<void> {
  try {
    const rows = await command("list_missed");
    byId("missed-rows").replaceChildren(
      ...rows.map((row) => {
        const done = el("button", { class: "button", testid: "row-called-back", text: "Mark called back", attrs: { type: "button" } });
        done.addEventListener("click", async () => {
          try {
            await command("mark_called_back", { callId: row.callId });
            void loadMissed();
          } catch (e) {
            say("missed-message", errorText(e), "error");
          }
        });
        return el("tr", { testid: "missed-row", attrs: { "data-call": row.callId } }, [
          ...baseCells(row),
          notesCell(row, "missed-message", () => void refreshAll()),
          el("td", {}, [callBackButton(row), " ", done]),
        ]);
      }),
    );
    byId("missed-empty").hidden = rows.length > 0;
  } catch (e) {
    say("missed-message", errorText(e), "error");
  }
}

function refreshAll(): Promise<unknown> {
  return Promise.all([loadHistory(), loadMissed()]);
}

export async function startHistory(): Promise<void> {
  byId<HTMLFormElement>("history-search").addEventListener("submit", (e) => {
    e.preventDefault();
    void loadHistory();
  });
  let timer: number | undefined;
  byId("history-text").addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void loadHistory(), 250);
  });
  byId("history-outcome").addEventListener("change", () => void loadHistory());
  await onEvent(EVENTS.historyChanged, () => void refreshAll());
  await refreshAll();
}
