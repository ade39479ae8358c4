// DOM building for both windows. Everything that came from the PBX, the
// history or the user is set with textContent or an attribute, never parsed
// as HTML: a caller name is text, whatever bytes it holds.

import type { QueueWait } from "./bindings/QueueWait";
import { formatDuration, t, type MessageKey } from "./i18n";

type Child = Node | string | null | undefined | false;

export interface ElOptions {
  class?: string;
  testid?: string;
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element; string children become text nodes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: ElOptions = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.testid) node.dataset.testid = opts.testid;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id} in the page`);
  return node as T;
}

/** Longest caller text shown in full; a 10,000-character name must not push the card off screen. */
export const MAX_SHOWN_CHARS = 60;

/**
 * Text from outside (a caller name, a contact, a note) in its own bidi
 * isolate, so an RTL override inside it cannot reorder the text around it,
 * shortened with an ellipsis when long and kept whole in the title.
 */
export function outsideText(
  value: string,
  opts: { class?: string; testid?: string; max?: number } = {},
): HTMLSpanElement {
  const max = opts.max ?? MAX_SHOWN_CHARS;
  const chars = Array.from(value);
  const shown = chars.length > max ? chars.slice(0, max - 1).join("") + "…" : value;
  const span = el("span", {
    class: `outside ${opts.class ?? ""}`.trim(),
    testid: opts.testid,
    text: shown,
    attrs: { dir: "auto" },
  });
  if (shown !== value) span.title = value;
  return span;
}

export function clear(node: Element): void {
  node.replaceChildren();
}

const OUTCOME_KEYS: Record<string, MessageKey> = {
  answered: "outcome.answered",
  missed: "outcome.missed",
  answered_elsewhere: "outcome.answeredElsewhere",
  abandoned: "outcome.abandoned",
  voicemail: "outcome.voicemail",
  unanswered: "outcome.unanswered",
};

/** How a call ended, in her words; a caller who gave up in a queue says
 * which queue and after how long ("Gave up in queue sales after 1:10"). */
export function outcomeText(outcome: string, answeredBy?: string | null, queue?: QueueWait | null): string {
  if (outcome === "abandoned" && queue) {
    return t("outcome.gaveUpInQueue", { queue: queue.queue, waited: formatDuration(queue.waited_ms) });
  }
  const word = Object.hasOwn(OUTCOME_KEYS, outcome) ? t(OUTCOME_KEYS[outcome]) : outcome;
  return answeredBy && (outcome === "answered" || outcome === "answered_elsewhere")
    ? t("outcome.by", { outcome: word, name: answeredBy })
    : word;
}

const PRESENCE_KEYS: Record<string, MessageKey> = {
  idle: "presence.idle",
  ringing: "presence.ringing",
  inUse: "presence.inUse",
  busy: "presence.busy",
  onHold: "presence.onHold",
  unavailable: "presence.unavailable",
  notFound: "presence.notFound",
  inUseRinging: "presence.inUseRinging",
};

export function presenceText(state: string): string {
  return Object.hasOwn(PRESENCE_KEYS, state) ? t(PRESENCE_KEYS[state]) : state;
}

/** One row of a list kept in step by `syncList`. */
export interface Row {
  /** Which row this is, from one update to the next (an extension, say). */
  key: string;
  /** Everything the row shows: it is refilled only when this changes. */
  sig: string;
  /** The row's element, with its listeners; `fill` gives it its content. */
  make(): HTMLElement;
  fill(node: HTMLElement): void;
}

const rowState = new WeakMap<Element, { key: string; sig: string }>();

/**
 * Brings `parent`'s children in line with `rows`. A row that was already
 * there keeps its element, so keyboard focus, hover and a drag in progress
 * survive, and it is touched only when what it shows changed. Presence
 * re-sends the whole board several times a second: rebuilding it each time
 * took the focus away and repainted the window for nothing.
 */
export function syncList(parent: HTMLElement, rows: Row[]): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(parent.children)) {
    const state = rowState.get(child);
    if (state && !existing.has(state.key)) existing.set(state.key, child as HTMLElement);
    else child.remove();
  }
  // Rows that go are removed first: left in place, one gone from the top
  // would make every row after it move (a queue's head answered renumbers
  // 200 callers, and each was re-inserted).
  const wanted = new Set(rows.map((r) => r.key));
  for (const [key, node] of existing) {
    if (wanted.has(key)) continue;
    node.remove();
    existing.delete(key);
  }
  let cursor = parent.firstElementChild;
  for (const row of rows) {
    let node = existing.get(row.key);
    if (node) {
      existing.delete(row.key);
      if (rowState.get(node)?.sig !== row.sig) row.fill(node);
    } else {
      node = row.make();
      row.fill(node);
    }
    rowState.set(node, { key: row.key, sig: row.sig });
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  }
  for (const gone of existing.values()) gone.remove();
}
