// Call history and missed calls: searchable, with notes and call-back.

import { byId, el, outcomeText, outsideText, syncList, type Row } from "../dom";
import { formatWhen } from "../i18n";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { CallRow } from "../bindings/CallRow";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import type { Outcome } from "../bindings/Outcome";
import { dialNumber } from "./dialer";
import { textBackButton } from "../sms-compose";
import type { SmsRow } from "../bindings/SmsRow";
import { t, type MessageKey } from "../i18n";

const HISTORY_LIMIT = 200;

function say(id: string, text: string, kind: "ok" | "error" = "ok"): void {
  const m = byId(id);
  m.textContent = text;
  m.dataset.kind = kind;
}

function callerOf(row: CallRow): string {
  return row.contactName?.trim() || row.remoteName?.trim() || t("popup.unknownCaller");
}

function notesCell(row: CallRow, messageId: string, refresh: () => void): HTMLTableCellElement {
  const cell = el("td", { testid: "row-notes" });
  for (const note of row.notes) {
    cell.append(el("span", { class: "note-line", testid: "row-note" }, [outsideText(note.text, { max: 120 })]));
  }
  const input = el("input", {
    class: "input",
    testid: "row-note-input",
    attrs: { type: "text", maxlength: "2000", "aria-label": t("history.noteFor", { name: callerOf(row) }) },
  });
  const save = el("button", { class: "button", testid: "row-note-save", text: t("popup.saveNote"), attrs: { type: "submit" } });
  const form = el("form", { class: "search-row" }, [input, save]);
  form.hidden = true;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (text === "") return;
    try {
      await command("add_note", { callId: row.callId, number: row.remoteNum, text });
      say(messageId, t("popup.noteSaved"));
      refresh();
    } catch (err) {
      say(messageId, errorText(err), "error");
    }
  });
  const open = el("button", { class: "button", testid: "row-add-note", text: t("history.addNote"), attrs: { type: "button" } });
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    input.focus();
  });
  cell.append(open, form);
  return cell;
}

/**
 * Refills a history or missed-call row, keeping a note she was writing in it:
 * the row changes when a call of the same caller is recorded or a colleague
 * adds a note, and her half-typed text must not go with the old cells.
 */
function refillKeepingDraft(tr: HTMLElement, cells: HTMLTableCellElement[]): void {
  const old = tr.querySelector<HTMLInputElement>('[data-testid="row-note-input"]');
  const open = old !== null && !old.closest("form")!.hidden;
  const draft = old?.value ?? "";
  const focused = old !== null && document.activeElement === old;
  tr.replaceChildren(...cells);
  if (!open) return;
  const input = tr.querySelector<HTMLInputElement>('[data-testid="row-note-input"]')!;
  input.closest("form")!.hidden = false;
  tr.querySelector<HTMLButtonElement>('[data-testid="row-add-note"]')!.hidden = true;
  input.value = draft;
  if (focused) input.focus();
}

/**
 * A table row kept across refreshes by `syncList`: history changes up to
 * once a second in a busy office, and a rebuilt table took away the note
 * she was typing and the button she had reached.
 */
function tableRow(
  key: string,
  testid: string,
  keyAttr: "data-call" | "data-sms",
  sig: unknown,
  cells: () => HTMLTableCellElement[],
): Row {
  return {
    key,
    // The day is part of it: "14:05" becomes "3 Nov 14:05" after midnight.
    sig: JSON.stringify([sig, new Date().toDateString()]),
    make: () => el("tr", { testid, attrs: { [keyAttr]: key } }),
    fill: (tr) => refillKeepingDraft(tr, cells()),
  };
}

/** "Play recording" for a call the PBX recorded; the shell fetches it and opens the system player. */
function recordingButton(row: CallRow, messageId: string): HTMLButtonElement | null {
  if (!row.recordingFile) return null;
  const b = el("button", { class: "button", testid: "row-play", text: t("history.playRecording"), attrs: { type: "button" } });
  b.addEventListener("click", async () => {
    b.disabled = true;
    say(messageId, t("history.fetchingRecording"));
    try {
      await command("play_recording", { callId: row.callId });
      say(messageId, t("history.recordingOpened"));
    } catch (e) {
      say(messageId, errorText(e), "error");
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

function callBackButton(row: CallRow): HTMLButtonElement {
  const b = el("button", { class: "button", testid: "row-call-back", text: t("history.callBack"), attrs: { type: "button" } });
  b.addEventListener("click", () => void dialNumber(row.remoteNum, `${callerOf(row)} (${row.remoteNum})`));
  return b;
}

const SMS_STATUS_KEYS: Record<string, MessageKey> = {
  received: "sms.received",
  sending: "sms.sending",
  sent: "sms.sent",
  failed: "sms.notSent",
};

function smsRowCells(sms: SmsRow): HTMLTableCellElement[] {
  const way = Object.hasOwn(SMS_STATUS_KEYS, sms.status) ? t(SMS_STATUS_KEYS[sms.status]) : sms.status;
  const wayCell = el("td", { testid: "sms-row-status", class: `sms-${sms.status}`, text: way });
  if (sms.error) wayCell.append(el("br"), outsideText(sms.error, { class: "sms-error", testid: "sms-row-error", max: 160 }));
  return [
    el("td", { text: formatWhen(sms.atMs) }),
    el("td", { testid: "sms-row-number" }, [outsideText(sms.number)]),
    wayCell,
    el("td", { testid: "sms-row-text" }, [outsideText(sms.text, { class: "sms-row-text", max: 200 })]),
    el("td", {}, [textBackButton(sms.number, sms.direction === "incoming" ? t("history.reply") : t("history.textAgain"), "sms-row-reply")]),
  ];
}

let smsSeq = 0;

/** Texts matching the history search (number, sender or text), newest first. */
async function loadTexts(): Promise<void> {
  const seq = ++smsSeq;
  const text = byId<HTMLInputElement>("history-text").value.trim();
  try {
    const rows = await command("search_sms", { text });
    if (seq !== smsSeq) return;
    syncList(
      byId("sms-rows"),
      rows.map((sms) => tableRow(String(sms.id), "sms-row", "data-sms", sms, () => smsRowCells(sms))),
    );
    const empty = byId("sms-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = text ? t("history.noTextsMatch") : t("history.noTexts");
  } catch (e) {
    say("sms-message", errorText(e), "error");
  }
}

function baseCells(row: CallRow): HTMLTableCellElement[] {
  return [
    el("td", { text: formatWhen(row.startedAtMs) }),
    el("td", { class: "name", testid: "row-caller" }, [outsideText(callerOf(row))]),
    el("td", { testid: "row-number", text: row.remoteNum, attrs: { dir: "ltr" } }),
  ];
}

/** How the call ended: "Answered by 1002", "Gave up in queue sales after 1:10". */
function outcomeCell(row: CallRow): HTMLTableCellElement {
  return el("td", { class: `outcome-${row.outcome}`, testid: "row-outcome", text: outcomeText(row.outcome, row.answeredBy, row.queue) });
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
    syncList(
      byId("history-rows"),
      rows.map((row) =>
        tableRow(row.callId, "history-row", "data-call", row, () => [
          ...baseCells(row),
          outcomeCell(row),
          notesCell(row, "history-message", () => void refreshAll()),
          el("td", {}, [
            callBackButton(row),
            " ",
            textBackButton(row.remoteNum, t("contacts.text"), "row-text-back"),
            " ",
            recordingButton(row, "history-message"),
          ]),
        ]),
      ),
    );
    const empty = byId("history-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = text || outcome ? t("history.noCallsMatch") : t("history.noCalls");
  } catch (e) {
    say("history-message", errorText(e), "error");
  }
}

/**
 * The missed-call list is read a page at a time (the shell's page size),
 * newest first: `missedPages` holds where each page shown so far starts,
 * the first page at null. A new missed call refreshes the page she is on.
 */
const missedPages: Array<{ beforeMs: number; beforeCall: string } | null> = [null];
let missedPageSize = 0;
let missedSeq = 0;

async function loadMissed(): Promise<void> {
  const seq = ++missedSeq;
  const page = missedPages.length - 1;
  try {
    const { rows, older } = await command("list_missed", missedPages[page] ?? {});
    if (seq !== missedSeq) return; // she paged on meanwhile; the newer answer wins
    if (rows.length === 0 && page > 0) {
      // The page emptied (its calls were deleted): go back one.
      missedPages.pop();
      return loadMissed();
    }
    if (page === 0) missedPageSize = Math.max(missedPageSize, rows.length);
    syncList(byId("missed-rows"), rows.map(missedRow));
    byId("missed-empty").hidden = rows.length > 0;
    showMissedPager(page, rows, older);
  } catch (e) {
    say("missed-message", errorText(e), "error");
  }
}

function missedRow(row: CallRow): Row {
  return tableRow(row.callId, "missed-row", "data-call", row, () => {
    const done = el("button", { class: "button", testid: "row-called-back", text: t("history.markCalledBack"), attrs: { type: "button" } });
    done.addEventListener("click", async () => {
      try {
        await command("mark_called_back", { callId: row.callId });
        void loadMissed();
      } catch (e) {
        say("missed-message", errorText(e), "error");
      }
    });
    return [
      ...baseCells(row),
      outcomeCell(row),
      notesCell(row, "missed-message", () => void refreshAll()),
      el("td", {}, [callBackButton(row), " ", textBackButton(row.remoteNum, t("history.textBack"), "row-text-back"), " ", done]),
    ];
  });
}

function showMissedPager(page: number, rows: CallRow[], older: boolean): void {
  byId("missed-pager").hidden = page === 0 && !older;
  byId<HTMLButtonElement>("missed-newer").disabled = page === 0;
  const olderButton = byId<HTMLButtonElement>("missed-older");
  olderButton.disabled = !older;
  const last = rows.at(-1);
  olderButton.onclick = last
    ? () => {
        missedPages.push({ beforeMs: last.startedAtMs, beforeCall: last.callId });
        void loadMissed();
      }
    : null;
  const first = page * missedPageSize + 1;
  const range = { first, last: first + rows.length - 1 };
  byId("missed-range").textContent = rows.length ? t(older ? "history.missedRange" : "history.missedRangeOldest", range) : "";
}

/** Reloads in flight: the History panel is `aria-busy` while any is. */
let reloading = 0;

async function refreshAll(): Promise<void> {
  const panel = byId("panel-history");
  reloading += 1;
  panel.setAttribute("aria-busy", "true");
  try {
    await Promise.all([loadHistory(), loadMissed(), loadTexts()]);
  } finally {
    reloading -= 1;
    if (reloading === 0) panel.removeAttribute("aria-busy");
  }
}

/**
 * Follows "history changed" for the History tab. Its three lists (200
 * calls, a page of missed calls, 200 texts) are reloaded whole, and in a
 * busy hour that came every second all day while she watched the Calls
 * tab: the web process's allocator kept the freed rows (bench/RESULTS.md,
 * the soak). While the tab is hidden a change only marks the lists stale,
 * and they are reloaded once, when the tab is shown.
 */
function followHistoryChanges(): Promise<unknown> {
  const panel = byId("panel-history");
  let stale = false;
  new MutationObserver(() => {
    if (panel.hidden || !stale) return;
    stale = false;
    void refreshAll();
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  return onEvent(EVENTS.historyChanged, () => {
    if (panel.hidden) stale = true;
    else void refreshAll();
  });
}

export async function startHistory(): Promise<void> {
  byId<HTMLFormElement>("history-search").addEventListener("submit", (e) => {
    e.preventDefault();
    void loadHistory();
    void loadTexts();
  });
  let timer: number | undefined;
  byId("history-text").addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      void loadHistory();
      void loadTexts();
    }, 250);
  });
  byId("history-outcome").addEventListener("change", () => void loadHistory());
  byId("missed-newer").addEventListener("click", () => {
    if (missedPages.length > 1) missedPages.pop();
    void loadMissed();
  });
  await followHistoryChanges();
  await refreshAll();
}
