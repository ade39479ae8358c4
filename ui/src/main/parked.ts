// The Parked calls panel: each call waiting in a parking space, with its
// space, caller, who parked it and a live "waiting 0:42". Clicking one
// retrieves it to her phone (`retrieve`). It renders the `parked` snapshots
// the console hub hands it; rows are kept by space and call, so a snapshot
// touches only the rows that changed and a row's message survives it.

import { byId, el, outsideText, syncList } from "../dom";
import { errorText } from "../ipc";
import { command } from "../ipc";
import type { ParkedCall } from "../bindings/ParkedCall";
import { showWaiting, type Offers } from "../console-ui";
import { flagged, t } from "../i18n";

interface ParkedRow {
  button: HTMLButtonElement;
  space: HTMLElement;
  caller: HTMLElement;
  by: HTMLElement;
  waited: HTMLElement;
  message: HTMLElement;
}

const rows = new WeakMap<HTMLElement, ParkedRow>();
/** What each row retrieves, as the latest snapshot says. */
const current = new Map<string, ParkedCall>();
let offers: Offers;

function keyOf(p: ParkedCall): string {
  return `${p.lot ?? ""}\u0000${p.slot}\u0000${p.call}`;
}

export function callerLabel(name: string | null, num: string): string {
  if (name?.trim()) return name;
  return num.trim() ? num : t("popup.unknownCaller");
}

function spaceText(p: ParkedCall): string {
  return flagged("parked.space", { slot: p.slot }, "lot", p.lot && p.lot !== "default" ? p.lot : "");
}

export function say(node: HTMLElement, text: string, kind: "ok" | "error"): void {
  node.textContent = text;
  node.dataset.kind = kind;
}

async function retrieve(key: string, row: ParkedRow): Promise<void> {
  const p = current.get(key);
  if (!p) return;
  const who = callerLabel(p.caller_name, p.caller_num);
  say(row.message, t("parked.retrieving", { name: who, slot: p.slot }), "ok");
  try {
    await command("retrieve", { slot: p.slot, lot: p.lot ?? undefined });
  } catch (e) {
    say(row.message, errorText(e), "error");
  }
}

function makeRow(key: string): HTMLElement {
  const row: ParkedRow = {
    button: el("button", { class: "parked-call", testid: "parked-call", attrs: { type: "button", "aria-describedby": "parked-why" } }),
    space: el("span", { class: "parked-space", testid: "parked-space" }),
    caller: el("span", { class: "parked-caller", testid: "parked-caller" }),
    by: el("span", { class: "parked-by", testid: "parked-by" }),
    waited: el("span", { class: "waited", testid: "parked-waiting" }),
    message: el("p", { class: "message row-message", testid: "parked-message", attrs: { role: "status" } }),
  };
  row.button.append(row.space, row.caller, row.by, row.waited);
  row.button.addEventListener("click", () => void retrieve(key, row));
  const li = el("li", { class: "parked-row", attrs: { "data-key": key } }, [row.button, row.message]);
  rows.set(li, row);
  return li;
}

function fillRow(li: HTMLElement, p: ParkedCall): void {
  const row = rows.get(li)!;
  const who = callerLabel(p.caller_name, p.caller_num);
  li.dataset.slot = p.slot;
  row.space.textContent = spaceText(p);
  const number = p.caller_name?.trim() && p.caller_num.trim() ? p.caller_num : "";
  row.caller.replaceChildren(outsideText(who, { class: "parked-name", testid: "parked-name", max: 40 }));
  if (number) row.caller.append(" ", el("span", { class: "parked-number", text: number, attrs: { dir: "ltr" } }));
  row.by.textContent = p.parked_by ? t("parked.by", { name: p.parked_by }) : "";
  showWaiting(row.waited, p.since_ms, "time.waiting");
  const offer = offers.get("retrieve");
  row.button.disabled = !offer.allowed;
  const lot = p.lot && p.lot !== "default" ? p.lot : "";
  row.button.setAttribute("aria-label", flagged("parked.retrieveLabel", { name: who, slot: p.slot }, "lot", lot));
  if (offer.allowed) row.button.title = t("parked.retrieveTitle");
  else row.button.title = offer.why ?? "";
}

/** Renders one `parked` snapshot. */
export function renderParked(list: ParkedCall[]): void {
  const sorted = [...list].sort((a, b) => a.slot.localeCompare(b.slot, undefined, { numeric: true }));
  current.clear();
  for (const p of sorted) current.set(keyOf(p), p);
  const retrieveSig = offers.sig("retrieve");
  syncList(
    byId("parked-calls"),
    sorted.map((p) => {
      const key = keyOf(p);
      return {
        key,
        sig: `${JSON.stringify(p)}\u0000${retrieveSig}`,
        make: () => makeRow(key),
        fill: (li) => fillRow(li, p),
      };
    }),
  );
  byId("parked-empty").hidden = sorted.length > 0;
  const offer = offers.get("retrieve");
  const why = byId("parked-why");
  why.textContent = offer.allowed || sorted.length === 0 ? "" : offer.why ?? "";
}

export function startParked(shared: Offers): void {
  offers = shared;
}
