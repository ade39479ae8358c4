// The colleagues board and the live calls above it. Clicking a colleague
// calls them; dropping a live call chip on a colleague (or choosing a chip,
// then a colleague, from the keyboard) transfers that call to them. A
// colleague whose phone rings (and a ringing chip) has a Pick up button, an
// answered chip a Park button, and each colleague shows their new
// voicemails; a console action the PBX does not allow is disabled and says
// why.

import { byId, el, outsideText, presenceText, syncList } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { Colleague } from "../bindings/Colleague";
import type { CallCard } from "../bindings/CallCard";
import type { Mailbox } from "../bindings/Mailbox";
import { Offers, offerButton, showOffer, type OfferButton } from "../console-ui";
import { dialNumber } from "./dialer";
import { t, type MessageKey } from "../i18n";

const CALL_MIME = "application/x-ringside-call";

let colleagues: Colleague[] = [];
let liveCalls: CallCard[] = [];
/** The call chosen for a keyboard transfer, waiting for a colleague. */
let pickedCall: string | null = null;
/** New voicemails per extension (absent = none). */
let voicemail = new Map<string, number>();
/** What the PBX lets her do; nothing until the console hub says. */
let offers = new Offers();
/** Her own phones: no Pick up on those. */
let myExtensions = new Set<string>();

function say(text: string, kind: "ok" | "error"): void {
  const m = byId("board-message");
  m.textContent = text;
  m.dataset.kind = kind;
}

/** For the console hub: a recall, said where her transfers are said. */
export function sayOnBoard(text: string, kind: "ok" | "error"): void {
  say(text, kind);
}

function sayIn(node: HTMLElement, text: string, kind: "ok" | "error"): void {
  node.textContent = text;
  node.dataset.kind = kind;
}

/** Pick up: a directed pickup of `extension`'s ringing call to her phone. */
async function pickUp(extension: string, label: string, message: HTMLElement): Promise<void> {
  sayIn(message, t("board.pickingUp", { name: label }), "ok");
  try {
    await command("pickup", { extension });
  } catch (e) {
    sayIn(message, errorText(e), "error");
  }
}

/** A colleague's phone rings: a pickup would take that call. */
function ringing(c: Colleague): boolean {
  return (c.state === "ringing" || c.state === "inUseRinging") && !myExtensions.has(c.extension);
}

const CALL_STATE_KEYS: Record<CallCard["state"], MessageKey> = {
  dialing: "callState.dialing",
  ringing: "callState.ringing",
  answered: "callState.answered",
  ended: "callState.ended",
};

function callLabel(c: CallCard): string {
  return c.caller_name?.trim() ? c.caller_name : c.caller_num;
}

async function transferTo(callId: string, colleague: Colleague): Promise<void> {
  const call = liveCalls.find((c) => c.call === callId);
  const who = `${colleague.name} (${colleague.extension})`;
  pickedCall = null;
  renderCalls();
  try {
    await command("transfer", { call: callId, target: colleague.extension, attended: false });
    say(call ? t("board.transferred", { call: callLabel(call), to: who }) : t("board.transferredTheCall", { to: who }), "ok");
  } catch (e) {
    say(errorText(e), "error");
  }
}

/** The colleague behind a board button, as presence last said. */
function colleagueAt(extension: string): Colleague | undefined {
  return colleagues.find((c) => c.extension === extension);
}

interface ColleagueRow {
  button: HTMLButtonElement;
  /** The Pick up button and why it is disabled; only while the phone rings. */
  extra: HTMLElement;
  pickup: OfferButton;
  message: HTMLElement;
}

const colleagueRows = new WeakMap<HTMLElement, ColleagueRow>();

function colleagueButton(extension: string): HTMLLIElement {
  const button = el("button", { testid: "colleague", attrs: { type: "button", "data-extension": extension } });
  const message = el("p", { class: "message row-message", testid: "colleague-message", attrs: { role: "status" } });
  const pickup = offerButton(t("board.pickUp"), "pickup", () => {
    const c = colleagueAt(extension);
    if (c) void pickUp(c.extension, c.name, message);
  });
  button.addEventListener("click", () => {
    const c = colleagueAt(extension);
    if (!c) return;
    if (pickedCall) void transferTo(pickedCall, c);
    else void dialNumber(c.extension, `${c.name} (${c.extension})`);
  });
  button.addEventListener("dragover", (e) => {
    if (e.dataTransfer?.types.includes(CALL_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      button.classList.add("drop-target");
    }
  });
  button.addEventListener("dragleave", () => button.classList.remove("drop-target"));
  button.addEventListener("drop", (e) => {
    button.classList.remove("drop-target");
    const callId = e.dataTransfer?.getData(CALL_MIME);
    const c = colleagueAt(extension);
    if (!callId || !c) return;
    e.preventDefault();
    void transferTo(callId, c);
  });
  const extra = el("div", { class: "colleague-extra" }, [pickup.button, pickup.why]);
  extra.hidden = true;
  const li = el("li", { class: "colleague-row", attrs: { "data-extension": extension } }, [button, extra, message]);
  colleagueRows.set(li, { button, extra, pickup, message });
  return li;
}

function voicemailBadge(count: number): HTMLElement | null {
  if (count <= 0) return null;
  const words = t("board.newVoicemails", { count });
  return el("span", { class: "vm-badge", testid: "voicemail-badge", text: `✉ ${count}`, attrs: { title: words } }, [
    el("span", { class: "sr-only", text: t("board.parenthesized", { text: words }) }),
  ]);
}

function fillColleague(li: HTMLElement, c: Colleague): void {
  const row = colleagueRows.get(li)!;
  const button = row.button;
  const detail = c.talkingTo ? t("board.presenceWith", { state: presenceText(c.state), name: c.talkingTo }) : presenceText(c.state);
  const dropTarget = button.classList.contains("drop-target");
  button.className = `colleague presence-${c.state}${dropTarget ? " drop-target" : ""}`;
  button.dataset.state = c.state;
  button.replaceChildren(
    el("span", { class: "presence-dot", attrs: { "aria-hidden": "true" } }),
    el("span", { class: "colleague-head" }, [outsideText(c.name, { class: "colleague-name", max: 40 }), voicemailBadge(voicemail.get(c.extension) ?? 0)]),
    el("span", { class: "colleague-detail", testid: "colleague-detail" }, [`${c.extension} · `, outsideText(detail, { max: 60 })]),
  );
  const canPickUp = ringing(c);
  row.extra.hidden = !canPickUp;
  row.pickup.button.setAttribute("aria-label", t("board.pickUpColleague", { name: c.name }));
  if (canPickUp) showOffer(row.pickup, offers.get("pickup"));
  // What was said about a pickup is about a ring that is over.
  else row.message.textContent = "";
}

function renderBoard(): void {
  const pickupSig = offers.sig("pickup");
  syncList(
    byId("board"),
    colleagues.map((c) => ({
      key: c.extension,
      sig: `${JSON.stringify(c)}\u0000${voicemail.get(c.extension) ?? 0}\u0000${pickupSig}\u0000${ringing(c)}`,
      make: () => colleagueButton(c.extension),
      fill: (li) => fillColleague(li, c),
    })),
  );
}

interface ChipRow {
  chip: HTMLButtonElement;
  pickup: OfferButton;
  park: OfferButton;
  message: HTMLElement;
}

const chipRows = new WeakMap<HTMLElement, ChipRow>();

function callAt(callId: string): CallCard | undefined {
  return liveCalls.find((c) => c.call === callId);
}

/** The colleague's phone a pickup of this call takes it from: the first one ringing that is not hers. */
function pickupTarget(c: CallCard): string | null {
  if (c.state !== "ringing") return null;
  return c.ringing.find((ext) => !myExtensions.has(ext)) ?? null;
}

async function parkCall(callId: string, message: HTMLElement): Promise<void> {
  const c = callAt(callId);
  sayIn(message, c ? t("board.parking", { call: callLabel(c) }) : t("board.parkingTheCall"), "ok");
  try {
    await command("park", { call: callId });
  } catch (e) {
    sayIn(message, errorText(e), "error");
  }
}

function makeChip(callId: string): HTMLElement {
  const chip = el("button", {
    class: "call-chip",
    testid: "live-call",
    attrs: {
      type: "button",
      draggable: "true",
      "data-call": callId,
      title: t("board.chipTitle"),
    },
  });
  const message = el("span", { class: "message row-message", testid: "live-call-message", attrs: { role: "status" } });
  chip.addEventListener("dragstart", (e) => {
    e.dataTransfer?.setData(CALL_MIME, callId);
    e.dataTransfer?.setData("text/plain", callAt(callId)?.caller_num ?? "");
    if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
  });
  chip.addEventListener("click", () => {
    const c = callAt(callId);
    pickedCall = pickedCall === callId ? null : callId;
    renderCalls();
    if (pickedCall && c) say(t("board.chooseColleague", { call: callLabel(c) }), "ok");
    else say("", "ok");
  });
  const pickup = offerButton(t("board.pickUp"), "live-call-pickup", () => {
    const c = callAt(callId);
    const ext = c ? pickupTarget(c) : null;
    if (ext) void pickUp(ext, colleagueAt(ext)?.name ?? ext, message);
  });
  const park = offerButton(t("popup.park"), "live-call-park", () => void parkCall(callId, message));
  const li = el("li", { class: "live-call-row", attrs: { "data-call": callId } }, [chip, pickup.button, park.button, pickup.why, park.why, message]);
  chipRows.set(li, { chip, pickup, park, message });
  return li;
}

function fillChip(li: HTMLElement, c: CallCard): void {
  const row = chipRows.get(li)!;
  const where = c.state === "answered" && c.answered_by ? t("pbxCalls.with", { name: c.answered_by }) : t(CALL_STATE_KEYS[c.state] ?? "callState.ended");
  row.chip.setAttribute("aria-pressed", String(pickedCall === c.call));
  row.chip.replaceChildren(outsideText(callLabel(c), { max: 30 }), ` · ${where}`);
  const target = pickupTarget(c);
  row.pickup.button.hidden = target === null;
  if (target !== null) {
    row.pickup.button.setAttribute("aria-label", t("board.pickUpCall", { call: callLabel(c), extension: target }));
    showOffer(row.pickup, offers.get("pickup"));
  } else row.pickup.why.hidden = true;
  const parkable = c.state === "answered" && !c.parked;
  row.park.button.hidden = !parkable;
  if (parkable) {
    row.park.button.setAttribute("aria-label", t("board.parkCall", { call: callLabel(c) }));
    showOffer(row.park, offers.get("park"));
  } else row.park.why.hidden = true;
}

function renderCalls(): void {
  const list = byId("live-calls");
  if (liveCalls.length === 0) {
    list.replaceChildren(el("li", { class: "hint", testid: "no-live-calls", text: t("board.noCalls") }));
    return;
  }
  const sig = `${pickedCall}\u0000${offers.sig("pickup")}\u0000${offers.sig("park")}\u0000${[...myExtensions].join(",")}`;
  syncList(
    list,
    liveCalls.map((c) => ({
      key: c.call,
      sig: `${JSON.stringify(c)}\u0000${pickedCall === c.call}\u0000${sig}`,
      make: () => makeChip(c.call),
      fill: (li) => fillChip(li, c),
    })),
  );
}

function showCalls(list: CallCard[]): void {
  liveCalls = list;
  if (pickedCall && !liveCalls.some((c) => c.call === pickedCall)) pickedCall = null;
  renderCalls();
}

async function refreshCalls(): Promise<void> {
  try {
    showCalls(await command("list_live_calls"));
  } catch (e) {
    say(errorText(e), "error");
  }
}

/** New voicemail counts, from the `voicemail` snapshot. */
export function setVoicemail(list: Mailbox[]): void {
  voicemail = new Map(list.filter((m) => m.new > 0).map((m) => [m.extension, m.new]));
  renderBoard();
}

/** What the PBX lets her do changed. */
export function setBoardOffers(latest: Offers): void {
  offers = latest;
  renderBoard();
  renderCalls();
}

/** Her own extensions (from `get_status`): no Pick up on her own phone. */
export function setMyExtensions(list: string[]): void {
  myExtensions = new Set(list);
  renderBoard();
  renderCalls();
}

export async function startBoard(): Promise<void> {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && pickedCall) {
      pickedCall = null;
      renderCalls();
      say(t("board.transferCancelled"), "ok");
    }
  });
  await Promise.all([
    onEvent(EVENTS.presence, (list) => {
      colleagues = list;
      renderBoard();
    }),
    // The shell sends the whole list, at most once a second while calls change.
    onEvent(EVENTS.liveCalls, showCalls),
  ]);
  try {
    colleagues = await command("get_presence");
    renderBoard();
  } catch (e) {
    say(errorText(e), "error");
  }
  await refreshCalls();
}
