// The Queues panel: for each watched queue, the callers waiting (position,
// caller, live waiting time, the longest wait marked in words and colour)
// and the agents (state, "paused: reason"), with pause / unpause and log
// in / out where the PBX allows it. It renders the `queues` snapshots the
// console hub hands it, at most once a frame. Built for 200 callers and 50
// agents under a storm of updates: every queue, caller and agent keeps its
// element (keyed by queue name, call and interface), a snapshot refills only
// the rows whose data changed, and one timer ticks every waiting time. The
// callers' list draws only the rows its scroll window shows (plus a margin):
// when the head of 200 callers is answered, the other 199 renumber, and
// laying all of them out again cost WebKit three frames; with the window,
// it renumbers about twenty.

import { byId, el, outsideText, syncList } from "../dom";
import { errorText } from "../ipc";
import { command } from "../ipc";
import type { MemberState } from "../bindings/MemberState";
import type { Queue } from "../bindings/Queue";
import type { QueueCaller } from "../bindings/QueueCaller";
import type { QueueMember } from "../bindings/QueueMember";
import { showWaiting, type Offers } from "../console-ui";
import { callerLabel, say } from "./parked";
import { t, type MessageKey } from "../i18n";

const STATE_KEYS: Record<MemberState, MessageKey> = {
  unknown: "member.unknown",
  not_in_use: "presence.idle",
  in_use: "presence.inUse",
  busy: "presence.busy",
  invalid: "member.invalid",
  unavailable: "presence.unavailable",
  ringing: "presence.ringing",
  ring_in_use: "presence.inUseRinging",
  on_hold: "presence.onHold",
};

const EXTENSION_RE = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_REASON_CHARS = 80;

/** Each caller's row is this tall (set on the list as `--queue-row`), so the window knows where every row is. */
const CALLER_ROW_REM = 1.9;
/** The list's view's height (set as `--queue-list`): about 12 rows. */
const CALLER_LIST_REM = 22;
/** Rows drawn above and below the visible ones, so a scroll shows drawn rows at once. */
const OVERSCAN_ROWS = 6;
const WINDOW_ROWS = Math.ceil(CALLER_LIST_REM / CALLER_ROW_REM) + 2 * OVERSCAN_ROWS;

let remPx = 0;
/** One caller row's height in CSS pixels (the root font size read once). */
function callerRowPx(): number {
  if (!remPx) remPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  return CALLER_ROW_REM * remPx;
}

let offers: Offers;
const views = new Map<string, QueueView>();

/** Writes only what changed: a snapshot that changes one agent must not touch the rest of the panel. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

function setDisabled(node: HTMLButtonElement | HTMLInputElement, disabled: boolean, why: string | null): void {
  if (node.disabled !== disabled) node.disabled = disabled;
  const title = disabled ? (why ?? "") : "";
  if (node.title !== title) node.title = title;
}

/** A pause reason she typed, or why it cannot be sent. */
export function checkReason(text: string): { ok: true; reason: string | null } | { ok: false; message: string } {
  const reason = text.trim();
  if (/[\u0000-\u001f\u007f]/.test(reason)) return { ok: false, message: t("queue.reasonOneLine") };
  if (Array.from(reason).length > MAX_REASON_CHARS) return { ok: false, message: t("queue.reasonTooLong", { max: MAX_REASON_CHARS }) };
  return { ok: true, reason: reason === "" ? null : reason };
}

function memberLabel(m: QueueMember): string {
  if (m.name?.trim()) return m.name;
  return m.extension ?? m.interface;
}

interface CallerRow {
  position: HTMLElement;
  caller: HTMLElement;
  waited: HTMLElement;
  longest: HTMLElement;
  /** What the row shows now: when one caller leaves, the others only renumber. */
  shownCaller?: string;
  shownSince?: number;
}

interface MemberRow {
  label: HTMLElement;
  state: HTMLElement;
  /** What the label and state show now: an agent whose state changed keeps her name's nodes. */
  shownLabel?: string;
  shownState?: string;
  pause: HTMLButtonElement;
  unpause: HTMLButtonElement;
  logout: HTMLButtonElement;
  pauseForm: HTMLFormElement;
  reason: HTMLInputElement;
  message: HTMLElement;
}

const callerRows = new WeakMap<HTMLElement, CallerRow>();
const memberRows = new WeakMap<HTMLElement, MemberRow>();
let formIds = 0;

class QueueView {
  readonly root: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly callers: HTMLElement;
  /** The callers' list scrolls inside this, over the list's padding that stands in for the rows not drawn. */
  private readonly callersView: HTMLElement;
  private readonly noCallers: HTMLElement;
  private readonly members: HTMLElement;
  private readonly noMembers: HTMLElement;
  private readonly why: HTMLElement;
  private readonly whyId: string;
  private readonly login: HTMLFormElement;
  private readonly loginInput: HTMLInputElement;
  private readonly loginButton: HTMLButtonElement;
  private readonly loginMessage: HTMLElement;
  /** The agents as the latest snapshot says, for the buttons. */
  private current = new Map<string, QueueMember>();
  /** The callers as the latest snapshot says, in queue order, and who has waited longest. */
  private waiting: QueueCaller[] = [];
  private longest: QueueCaller | null = null;
  /** The callers' list's scroll offset, as its last scroll event said (reading it would force a layout). */
  private scrolled = 0;
  private redraw = false;

  constructor(readonly name: string) {
    const id = `queue-${++formIds}`;
    this.whyId = `${id}-why`;
    this.summary = el("p", { class: "queue-summary", testid: "queue-summary" });
    this.callers = el("ul", { class: "queue-callers", testid: "queue-callers", attrs: { "aria-label": t("queue.callersIn", { queue: name }) } });
    this.callersView = el("div", { class: "queue-callers-view", attrs: { tabindex: "0" } }, [this.callers]);
    this.callersView.style.setProperty("--queue-row", `${CALLER_ROW_REM}rem`);
    this.callersView.style.setProperty("--queue-list", `${CALLER_LIST_REM}rem`);
    this.callersView.addEventListener("scroll", () => {
      this.scrolled = this.callersView.scrollTop;
      if (this.redraw) return;
      this.redraw = true;
      requestAnimationFrame(() => {
        this.redraw = false;
        this.drawCallers();
      });
    });
    this.noCallers = el("p", { class: "hint", testid: "queue-no-callers", text: t("queue.nobodyWaiting") });
    this.members = el("ul", { class: "queue-members", testid: "queue-members", attrs: { "aria-label": t("queue.agentsOf", { queue: name }) } });
    this.noMembers = el("p", { class: "hint", testid: "queue-no-members", text: t("queue.noAgents") });
    this.why = el("p", { class: "offer-why", testid: "queue-why", attrs: { id: this.whyId } });
    this.loginInput = el("input", {
      class: "input",
      testid: "queue-login-extension",
      attrs: { id: `${id}-login`, inputmode: "numeric", autocomplete: "off", placeholder: "1002", "aria-describedby": `${id}-login-message ${this.whyId}` },
    });
    this.loginButton = el("button", { class: "button", testid: "queue-login", text: t("queue.logIn"), attrs: { type: "submit" } });
    this.loginMessage = el("p", { class: "message row-message", testid: "queue-login-message", attrs: { id: `${id}-login-message`, role: "status" } });
    this.login = el("form", { class: "queue-login-form", attrs: { novalidate: "" } }, [
      el("label", { text: t("queue.logInAgent"), attrs: { for: `${id}-login` } }),
      el("div", { class: "dial-row" }, [this.loginInput, this.loginButton]),
      this.loginMessage,
    ]);
    this.login.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.logIn();
    });
    this.root = el("section", { class: "queue", testid: "queue", attrs: { "data-queue": name, "aria-label": t("queue.label", { queue: name }) } }, [
      el("h3", { class: "queue-name" }, [outsideText(name, { max: 40 })]),
      this.summary,
      el("div", { class: "queue-columns" }, [
        el("div", {}, [el("h4", { text: t("queue.waiting") }), this.callersView, this.noCallers]),
        el("div", {}, [el("h4", { text: t("queue.agents") }), this.why, this.members, this.noMembers, this.login]),
      ]),
    ]);
  }

  update(q: Queue): void {
    const available = q.members.filter((m) => !m.paused && m.state === "not_in_use").length;
    const waiting = q.callers.length;
    setText(this.summary, t("queue.summary", { waiting, available, total: q.members.length }));
    this.renderCallers(q.callers);
    this.renderMembers(q.members);
  }

  private renderCallers(list: QueueCaller[]): void {
    this.waiting = [...list].sort((a, b) => a.position - b.position);
    // The longest wait: the earliest to join (ties: the one nearest the front).
    let longest: QueueCaller | null = null;
    for (const c of this.waiting) if (!longest || c.joined_ms < longest.joined_ms) longest = c;
    this.longest = this.waiting.length > 1 ? longest : null;
    this.drawCallers();
    setHidden(this.noCallers, this.waiting.length > 0);
  }

  /**
   * Draws the callers the list's scroll window shows, with a margin; the
   * list's padding stands in for the rows above and below, so its scroll
   * bar is that of the whole queue.
   */
  private drawCallers(): void {
    const total = this.waiting.length;
    const rowPx = callerRowPx();
    const top = Math.floor(this.scrolled / rowPx) - OVERSCAN_ROWS;
    const first = Math.max(0, Math.min(top, total - WINDOW_ROWS));
    const shown = this.waiting.slice(first, first + WINDOW_ROWS);
    syncList(
      this.callers,
      shown.map((c, i) => {
        const isLongest = c === this.longest;
        const index = first + i + 1;
        return {
          key: c.call || c.uniqueid,
          sig: `${c.position}\u0000${c.caller_num}\u0000${c.caller_name}\u0000${c.joined_ms}\u0000${isLongest}\u0000${index}\u0000${total}`,
          make: () => makeCallerRow(c.call || c.uniqueid),
          fill: (li) => fillCallerRow(li, c, isLongest, index, total),
        };
      }),
    );
    const list = this.callers;
    const padTop = `${first * rowPx}px`;
    const padBottom = `${(total - first - shown.length) * rowPx}px`;
    if (list.style.paddingTop !== padTop) list.style.paddingTop = padTop;
    if (list.style.paddingBottom !== padBottom) list.style.paddingBottom = padBottom;
    if (list.dataset.first !== String(first)) list.dataset.first = String(first);
    if (list.dataset.total !== String(total)) list.dataset.total = String(total);
  }

  private renderMembers(list: QueueMember[]): void {
    this.current = new Map(list.map((m) => [m.interface, m]));
    const pause = offers.get("queue_pause");
    const member = offers.get("queue_member");
    const whys = [...new Set([pause.why, member.why].filter((w): w is string => !!w))];
    setText(this.why, whys.join(" "));
    setHidden(this.why, whys.length === 0);
    setDisabled(this.loginButton, !member.allowed, member.why);
    setDisabled(this.loginInput, !member.allowed, member.why);
    const offerSig = `${offers.sig("queue_pause")}\u0000${offers.sig("queue_member")}`;
    syncList(
      this.members,
      list.map((m) => ({
        key: m.interface,
        sig: `${JSON.stringify(m)}\u0000${offerSig}`,
        make: () => this.makeMemberRow(m.interface),
        fill: (li) => this.fillMemberRow(li, m),
      })),
    );
    setHidden(this.noMembers, list.length > 0);
  }

  private makeMemberRow(iface: string): HTMLElement {
    const id = `member-${++formIds}`;
    const button = (text: string, testid: string) =>
      el("button", { class: "button", testid, text, attrs: { type: "button", "aria-describedby": this.whyId } });
    const row: MemberRow = {
      label: el("span", { class: "member-name", testid: "member-name" }),
      state: el("span", { class: "member-state", testid: "member-state" }),
      pause: button(t("queue.pauseEllipsis"), "member-pause"),
      unpause: button(t("queue.unpause"), "member-unpause"),
      logout: button(t("queue.logOut"), "member-logout"),
      reason: el("input", { class: "input", testid: "pause-reason", attrs: { id: `${id}-reason`, maxlength: String(MAX_REASON_CHARS), placeholder: t("queue.reasonPlaceholder") } }),
      pauseForm: el("form", { class: "pause-form", testid: "pause-form", attrs: { novalidate: "" } }),
      message: el("p", { class: "message row-message", testid: "member-message", attrs: { role: "status" } }),
    };
    const cancel = el("button", { class: "button", testid: "pause-cancel", text: t("page.cancel"), attrs: { type: "button" } });
    row.pauseForm.append(
      el("label", { text: t("queue.reasonOptional"), attrs: { for: `${id}-reason` } }),
      row.reason,
      el("button", { class: "button primary", testid: "pause-confirm", text: t("queue.pause"), attrs: { type: "submit" } }),
      cancel,
    );
    row.pauseForm.hidden = true;
    row.pause.addEventListener("click", () => {
      row.pauseForm.hidden = false;
      row.reason.focus();
    });
    cancel.addEventListener("click", () => {
      row.pauseForm.hidden = true;
      row.pause.focus();
    });
    row.pauseForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.pause(iface, row, true);
    });
    row.unpause.addEventListener("click", () => void this.pause(iface, row, false));
    row.logout.addEventListener("click", () => void this.logOut(iface, row));
    const li = el("li", { class: "queue-member", attrs: { "data-interface": iface } }, [
      el("div", { class: "member-line" }, [row.label, row.state]),
      el("div", { class: "member-actions" }, [row.pause, row.unpause, row.logout]),
      row.pauseForm,
      row.message,
    ]);
    memberRows.set(li, row);
    return li;
  }

  private fillMemberRow(li: HTMLElement, m: QueueMember): void {
    const row = memberRows.get(li)!;
    // An agent's change is usually her state alone: only the parts that
    // differ are written, so the engine restyles and repaints no more.
    if (li.dataset.state !== m.state) li.dataset.state = m.state;
    if (li.dataset.paused !== String(m.paused)) li.dataset.paused = String(m.paused);
    const who = memberLabel(m);
    const ext = m.extension && m.extension !== who ? ` (${m.extension})` : "";
    if (row.shownLabel !== `${who}\u0000${ext}`) {
      row.shownLabel = `${who}\u0000${ext}`;
      row.label.replaceChildren(outsideText(who, { max: 32 }), ext);
      row.pause.setAttribute("aria-label", t("member.pauseLabel", { name: who }));
      row.unpause.setAttribute("aria-label", t("member.unpauseLabel", { name: who }));
      row.logout.setAttribute("aria-label", t("member.logoutLabel", { name: who, queue: this.name }));
    }
    const parts = [Object.hasOwn(STATE_KEYS, m.state) ? t(STATE_KEYS[m.state]) : m.state];
    if (m.in_call && m.state !== "in_use") parts.push(t("member.onQueueCall"));
    const state = t("member.stateAndCalls", { state: parts.join(t("list.separator")), count: m.calls_taken });
    const shownState = `${state}\u0000${m.paused}\u0000${m.paused_reason ?? ""}`;
    if (row.shownState !== shownState) {
      const only = row.state.firstChild;
      if (!m.paused && row.shownState !== undefined && only instanceof Text && only === row.state.lastChild) {
        only.data = state; // a state change alone rewrites the text in place
      } else {
        row.state.replaceChildren(state);
        if (m.paused) {
          row.state.append(" · ", el("strong", { class: "paused", testid: "member-paused" }, [t("member.paused"), ...(m.paused_reason ? [": ", outsideText(m.paused_reason, { max: 40 })] : [])]));
        }
      }
      row.shownState = shownState;
    }
    const pause = offers.get("queue_pause");
    const member = offers.get("queue_member");
    setHidden(row.pause, m.paused);
    setHidden(row.unpause, !m.paused);
    if (m.paused) setHidden(row.pauseForm, true);
    for (const b of [row.pause, row.unpause]) setDisabled(b, !pause.allowed, pause.why);
    setDisabled(row.logout, !member.allowed, member.why);
  }

  private async pause(iface: string, row: MemberRow, paused: boolean): Promise<void> {
    const m = this.current.get(iface);
    if (!m) return;
    const who = memberLabel(m);
    let reason: string | null = null;
    if (paused) {
      const checked = checkReason(row.reason.value);
      if (!checked.ok) {
        say(row.message, checked.message, "error");
        row.reason.setAttribute("aria-invalid", "true");
        row.reason.focus();
        return;
      }
      row.reason.removeAttribute("aria-invalid");
      reason = checked.reason;
    }
    say(row.message, t(paused ? "member.pausing" : "member.unpausing", { name: who }), "ok");
    try {
      await command("queue_pause", { queue: this.name, member: iface, paused, reason: reason ?? undefined });
      say(row.message, t(paused ? "member.pausedDone" : "member.unpausedDone", { name: who, queue: this.name }), "ok");
      row.pauseForm.hidden = true;
      row.reason.value = "";
    } catch (e) {
      say(row.message, errorText(e), "error");
    }
  }

  private async logOut(iface: string, row: MemberRow): Promise<void> {
    const m = this.current.get(iface);
    if (!m) return;
    say(row.message, t("member.loggingOut", { name: memberLabel(m), queue: this.name }), "ok");
    try {
      await command("queue_member", { queue: this.name, member: iface, loggedIn: false });
      say(row.message, t("member.loggedOut", { name: memberLabel(m), queue: this.name }), "ok");
    } catch (e) {
      say(row.message, errorText(e), "error");
    }
  }

  private async logIn(): Promise<void> {
    const ext = this.loginInput.value.trim();
    if (!EXTENSION_RE.test(ext)) {
      say(this.loginMessage, t("queue.loginBadExtension"), "error");
      this.loginInput.setAttribute("aria-invalid", "true");
      this.loginInput.focus();
      return;
    }
    this.loginInput.removeAttribute("aria-invalid");
    say(this.loginMessage, t("queue.loggingIn", { name: ext, queue: this.name }), "ok");
    try {
      await command("queue_member", { queue: this.name, member: ext, loggedIn: true });
      say(this.loginMessage, t("queue.loggedIn", { name: ext, queue: this.name }), "ok");
      this.loginInput.value = "";
    } catch (e) {
      say(this.loginMessage, errorText(e), "error");
    }
  }
}

function makeCallerRow(key: string): HTMLElement {
  const row: CallerRow = {
    position: el("span", { class: "queue-position", testid: "queue-position" }),
    caller: el("span", { class: "queue-caller-name" }),
    waited: el("span", { class: "waited", testid: "queue-waiting" }),
    longest: el("span", { class: "longest-tag", testid: "longest-tag", text: t("queue.longestWait") }),
  };
  const li = el("li", { class: "queue-caller", testid: "queue-caller", attrs: { "data-call": key } }, [row.position, row.caller, row.waited, row.longest]);
  callerRows.set(li, row);
  return li;
}

function fillCallerRow(li: HTMLElement, c: QueueCaller, longest: boolean, index: number, total: number): void {
  const row = callerRows.get(li)!;
  li.classList.toggle("longest", longest);
  // Only some rows are drawn: each says where it stands in the whole list.
  li.setAttribute("aria-posinset", String(index));
  li.setAttribute("aria-setsize", String(total));
  setText(row.position, `${c.position}.`);
  const shown = `${c.caller_name}\u0000${c.caller_num}`;
  if (row.shownCaller !== shown) {
    row.shownCaller = shown;
    const who = callerLabel(c.caller_name, c.caller_num);
    row.caller.replaceChildren(outsideText(who, { class: "queue-caller-label", testid: "queue-caller-label", max: 40 }));
    if (c.caller_name?.trim() && c.caller_num.trim()) {
      row.caller.append(" ", el("span", { class: "queue-caller-number", text: c.caller_num, attrs: { dir: "ltr" } }));
    }
  }
  if (row.shownSince !== c.joined_ms) {
    row.shownSince = c.joined_ms;
    showWaiting(row.waited, c.joined_ms, "time.waiting");
  }
  setHidden(row.longest, !longest);
}

/** Renders one `queues` snapshot. */
export function renderQueues(list: Queue[]): void {
  const seen = new Set<string>();
  const rows = list.map((q) => {
    seen.add(q.name);
    let view = views.get(q.name);
    if (!view) views.set(q.name, (view = new QueueView(q.name)));
    view.update(q);
    const node = view.root;
    return { key: q.name, sig: "", make: () => node, fill: () => {} };
  });
  for (const name of [...views.keys()]) if (!seen.has(name)) views.delete(name);
  syncList(byId("queues"), rows);
  setHidden(byId("queues-empty"), list.length > 0);
}

export function startQueues(shared: Offers): void {
  offers = shared;
}
