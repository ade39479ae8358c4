// What both windows share for the attendant console: which actions the PBX
// lets her take (the offers, with the reason shown on a disabled button),
// and the one clock behind every "waiting 0:42" on the page.

import { el } from "./dom";
import { formatDuration } from "./i18n";
import type { OfferAction } from "./bindings/OfferAction";
import type { Offer } from "./bindings/Offer";
import { t, type MessageKey } from "./i18n";

/** Before the shell said what the PBX allows: buttons wait, and say so. */
const NOT_YET = t("offer.notYet");

/** Said for an action the shell's list leaves out. */
const NOT_OFFERED = t("offer.notOffered");

export interface OfferView {
  allowed: boolean;
  /** Why not, as a sentence for her; null when allowed. */
  why: string | null;
}

/** The latest offers from `get_console` and the `console` event. */
export class Offers {
  private offers = new Map<OfferAction, Offer>();
  /** Until the first list: why nothing is offered yet (the failure of `get_console`, say). */
  private pending: string = NOT_YET;
  private known = false;

  set(list: Offer[]): void {
    this.offers = new Map(list.map((o) => [o.action, o]));
    this.known = true;
  }

  /** `get_console` failed before any list came: that failure is the reason shown. */
  unknown(why: string): void {
    if (!this.known) this.pending = why;
  }

  get(action: OfferAction): OfferView {
    if (!this.known) return { allowed: false, why: this.pending };
    const offer = this.offers.get(action);
    if (!offer) return { allowed: false, why: NOT_OFFERED };
    if (offer.allowed) return { allowed: true, why: null };
    return { allowed: false, why: offer.why?.trim() ? offer.why : NOT_OFFERED };
  }

  /** A short key of one action's offer, for a row's signature. */
  sig(action: OfferAction): string {
    const o = this.get(action);
    return o.allowed ? "y" : `n:${o.why}`;
  }
}

let whyIds = 0;

/** A button whose action may not be offered, with the line that says why. */
export interface OfferButton {
  button: HTMLButtonElement;
  /** Shown under or beside the button while it is disabled. */
  why: HTMLElement;
}

export function offerButton(label: string, testid: string, onClick: () => void): OfferButton {
  const id = `why-${++whyIds}`;
  const button = el("button", { class: "button", testid, text: label, attrs: { type: "button", "aria-describedby": id } });
  const why = el("span", { class: "offer-why", testid: `${testid}-why`, attrs: { id } });
  why.hidden = true;
  button.addEventListener("click", () => {
    if (!button.disabled) onClick();
  });
  return { button, why };
}

/**
 * Enables the button, or disables it and shows why in words (in the title
 * too, for a mouse resting on it). A disabled button cannot take the
 * focus, so the reason is also visible text, linked by aria-describedby.
 */
export function showOffer(b: OfferButton, offer: OfferView): void {
  b.button.disabled = !offer.allowed;
  const why = offer.allowed ? "" : (offer.why ?? "");
  if (b.why.textContent !== why) b.why.textContent = why;
  b.why.hidden = offer.allowed;
  if (offer.allowed) b.button.removeAttribute("title");
  else b.button.title = why;
}

// ---------- waiting time ----------


interface Waiting {
  since: number;
  /** The message the duration goes in, as `{duration}`. */
  label: MessageKey;
}

/** Every element showing a live waiting time, and since when. */
const waiting = new Map<HTMLElement, Waiting>();
let ticker: number | undefined;

/**
 * Writes the time into the element's one Text node, in place: setting
 * `textContent` would replace the node, and the engine would throw away its
 * text box and build a new one every second for every clock on the page.
 */
function paint(node: HTMLElement, w: Waiting, now: number): void {
  const text = t(w.label, { duration: formatDuration(now - w.since) });
  const only = node.firstChild;
  if (only instanceof Text && only === node.lastChild) {
    if (only.data !== text) only.data = text;
  } else {
    node.textContent = text;
  }
}

/** Ticks on the wall clock's whole seconds, so every time on the page moves together. */
function scheduleTick(): void {
  ticker = window.setTimeout(tick, 1000 - (Date.now() % 1000));
}

function tick(): void {
  const now = Date.now();
  for (const [node, w] of waiting) {
    if (node.isConnected) paint(node, w, now);
    else waiting.delete(node); // its row was removed
  }
  if (waiting.size > 0) scheduleTick();
  else ticker = undefined;
}

/**
 * Shows, and keeps up to date, how long something has waited since
 * `since` (Unix ms). One timer serves every such element on the page, and
 * it writes an element only when its text changes, into the Text node
 * already there: with 200 callers waiting, a second costs 200 short text
 * writes and nothing else.
 */
export function showWaiting(node: HTMLElement, since: number, label: MessageKey = "time.duration"): void {
  const w = { since, label };
  waiting.set(node, w);
  paint(node, w, Date.now());
  if (ticker === undefined) scheduleTick();
}
