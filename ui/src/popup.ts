// The caller popup window: one card per ringing call and watched extension,
// and one per incoming text. Calls ringing at her extension always lead the
// stack (newest first), then the other calls (answered, closing), then the
// texts in a quieter section of their own; what does not fit the window
// collapses into a "+N more" row, which never takes a ringing call. It
// renders what `ringside://card`, `ringside://caller-context` and
// `ringside://caller-identity` say (who is calling, popup-identity.ts) and
// invokes commands for the card's buttons; it decides nothing about calls
// or names itself. The attendant console adds Park on an answered call,
// "picked up by you", and the recall banner of a transferred caller who
// came back (popup-console.ts).

import "./style.css";
import { LANGUAGE_STORAGE_KEY, translatePage } from "./i18n";
import { clear, el, outcomeText, outsideText, syncList, type Row } from "./dom";
import { formatWhen } from "./i18n";
import { command, errorText, EVENTS, onEvent } from "./ipc";
import { SmsCompose } from "./sms-compose";
import { offerButton, showOffer, type OfferButton } from "./console-ui";
import type { ParkedCall } from "./bindings/ParkedCall";
import type { ParkSpot } from "./bindings/ParkSpot";
import type { RecallOutput } from "./bindings/RecallOutput";
import { forgetRecall, listenConsole, loadOffers, offers, pendingRecall, RecallBanner, rememberRecall, type ConsoleHooks, type Recalled } from "./popup-console";
import { TransferPicker } from "./transfer-picker";
import type { IncomingSmsEvent } from "./bindings/IncomingSmsEvent";
import type { SmsRow } from "./bindings/SmsRow";
import type { CallerContext } from "./bindings/CallerContext";
import type { CallerIdentity } from "./bindings/CallerIdentity";
import { CallerIdentityView, keepEarly, takeEarly } from "./popup-identity";
import type { Colleague } from "./bindings/Colleague";
import type { CallCard } from "./bindings/CallCard";
import type { CardChange } from "./bindings/CardChange";
import type { CloseReason } from "./bindings/CloseReason";
import type { Transfer } from "./bindings/Transfer";
import { flagged, t, textAround, type MessageKey } from "./i18n";

/** The `popup` change that opens a card (generated from ringside-calls' `CardChange`). */
type CardPopup = Extract<CardChange, { type: "popup" }>;

/** How long a card that closed on its own stays up to say why ("Answered by 1002"). */
const CLOSING_NOTICE_MS = 2500;

/** What is known about one real call, shared by all its cards. */
interface CallInfo {
  answeredBy: string | null;
  /** The extension that picked the call up while it rang elsewhere. */
  pickedUpBy: string | null;
  transfers: Transfer[];
  context: CallerContext | null;
  /** Who is calling, as the shell decided it; `null` until it says. */
  identity: CallerIdentity | null;
  ringing: Set<string>;
}

const cardsRoot = document.getElementById("cards")!;
const noCalls = document.getElementById("no-calls")!;
const calls = new Map<string, CallInfo>();
const cards = new Map<string, PopupCard>();
let myExtensions = new Set<string>();
let colleagues: Colleague[] = [];
/** Counts cards as they arrive: "newest first" within each part of the stack. */
let arrivals = 0;

/**
 * Where "send to voicemail" transfers to. The tracker adds a `voicemail` key
 * to the popup only where the PBX profile allows it (the CLI JSON only ever
 * gains keys); without one the button is not shown.
 */
function voicemailTarget(popup: CardPopup): string | null {
  const target = (popup as CardPopup & { voicemail?: unknown }).voicemail;
  return typeof target === "string" && target !== "" ? target : null;
}

function cardKey(call: string, extension: string): string {
  return `${call}\u0000${extension}`;
}

function callInfo(call: string): CallInfo {
  let info = calls.get(call);
  if (!info) {
    info = { answeredBy: null, pickedUpBy: null, transfers: [], context: null, identity: null, ringing: new Set() };
    calls.set(call, info);
  }
  return info;
}

function cardsOf(call: string): PopupCard[] {
  return [...cards.values()].filter((c) => c.call === call);
}

function refreshEmpty(): void {
  noCalls.hidden = cards.size + smsCards.size > 0;
}

// ---------- the stack's order and what fits the window ----------

/** Texts sit below the calls, under a heading of their own. */
const textsList = el("div", { class: "texts-list" });
/** Said once older texts left the popup (see `MAX_TEXT_CARDS`). */
const olderTexts = el("p", { class: "hint older-texts", testid: "older-texts", text: t("popup.olderTexts") });
olderTexts.hidden = true;
const textsSection = el("section", { class: "texts", testid: "texts", attrs: { "aria-label": t("popup.texts") } }, [
  el("h2", { class: "texts-heading", text: t("popup.texts") }),
  textsList,
  olderTexts,
]);
/** "+3 more": the cards that did not fit the window; a click shows them all. */
const moreRow = el("button", { class: "more-cards", testid: "more-cards", attrs: { type: "button" } });
moreRow.addEventListener("click", () => {
  expanded = true;
  layoutStack();
});
/** She asked to see every card (the window scrolls) until the next call rings. */
let expanded = false;
let layoutQueued = false;

/**
 * Where a call card goes: ringing at her extension first, then ringing at
 * a watched group, then every other call card (answered, closing).
 */
function stackRank(card: PopupCard): number {
  if (!card.isRinging()) return 2;
  return myExtensions.size === 0 || myExtensions.has(card.extension) ? 0 : 1;
}

/** A stack element that `syncList` keeps in place; cards render themselves. */
function placed(key: string, node: HTMLElement): Row {
  return { key, sig: "", make: () => node, fill: () => {} };
}

/**
 * Re-lays the stack once after whatever changed in this task (a card came,
 * went, changed state or grew), so a burst of events costs one layout.
 */
function scheduleLayout(): void {
  if (layoutQueued) return;
  layoutQueued = true;
  queueMicrotask(() => {
    layoutQueued = false;
    layoutStack();
  });
}

/**
 * Orders the cards (moving as few as possible, so focus and a half-typed
 * note survive) and collapses what does not fit the window.
 */
function layoutStack(): void {
  const callCards = [...cards.values()].sort((a, b) => stackRank(a) - stackRank(b) || b.arrived - a.arrived);
  const texts = [...smsCards.values()].sort((a, b) => b.arrived - a.arrived);
  syncList(textsList, texts.map((t) => placed(t.key, t.root)));
  syncList(cardsRoot, [
    ...callCards.map((c) => placed(cardKey(c.call, c.extension), c.root)),
    placed("\u0001texts", textsSection),
    placed("\u0001more", moreRow),
  ]);
  collapseOverflow([
    ...callCards.map((c) => ({ root: c.root, keep: c.isRinging() })),
    ...texts.map((t) => ({ root: t.root, keep: false })),
  ]);
  textsSection.hidden = texts.every((t) => t.root.hidden);
  refreshEmpty();
}

/**
 * Hides, from the bottom of the stack up, the cards that would fall below
 * the window, and counts them in the "+N more" row. A ringing call and the
 * card she is typing in are never hidden: with more of them than the window
 * holds, the window scrolls instead.
 */
function collapseOverflow(stack: { root: HTMLElement; keep: boolean }[]): void {
  for (const item of stack) item.root.hidden = false;
  textsSection.hidden = textsList.childElementCount === 0;
  moreRow.hidden = true;
  const limit = window.innerHeight;
  const bottom = (node: Element) => node.getBoundingClientRect().bottom + window.scrollY;
  const padding = parseFloat(getComputedStyle(cardsRoot).paddingBottom) || 0;
  if (expanded || stack.length === 0 || bottom(cardsRoot) - padding <= limit) return;
  moreRow.hidden = false;
  moreRow.textContent = t("popup.more", { count: stack.length });
  const gap = parseFloat(getComputedStyle(cardsRoot).rowGap) || 0;
  const room = limit - moreRow.offsetHeight - gap - padding;
  const focused = document.activeElement;
  let collapsing = false;
  let hidden = 0;
  for (const item of stack) {
    if (item.keep || (focused && item.root.contains(focused))) continue;
    if (!collapsing && bottom(item.root) <= room) continue;
    collapsing = true;
    item.root.hidden = true;
    hidden += 1;
  }
  moreRow.hidden = hidden === 0;
  moreRow.textContent = t("popup.more", { count: hidden });
  moreRow.setAttribute("aria-label", t("popup.showMoreCards", { count: hidden }));
}

/** Longest part of a text shown on its card; the whole text is in the title. */
const SMS_SHOWN_CHARS = 280;

/** What a card's panel gives once built: its element, and where the cursor goes. */
interface PanelContent {
  readonly root: HTMLElement;
  focus(): void;
}

interface PickerPanel extends PanelContent {
  readonly picker: TransferPicker;
}

/**
 * A card's panel (transfer, note, text back, reply) built the first time
 * she opens it. Most cards of a day are never opened, and each one built a
 * colleague list, a search field, radio buttons and text areas up front,
 * which the popup's WebKit process laid out, kept in step with presence and
 * threw away with the card: in the whole-day soak that churn was what the
 * popup's memory grew with.
 */
class LazyPanel<T extends PanelContent> {
  private content: T | null = null;

  constructor(
    private readonly make: () => T,
    /** Puts the panel's element in its place on the card. */
    private readonly place: (root: HTMLElement) => void,
  ) {}

  /** The panel, if she ever opened it. */
  get built(): T | null {
    return this.content;
  }

  get isOpen(): boolean {
    return this.content !== null && !this.content.root.hidden;
  }

  /** Shows the panel, building it the first time, and puts the cursor in it. */
  open(): void {
    if (!this.content) {
      this.content = this.make();
      this.place(this.content.root);
    }
    this.content.root.hidden = false;
    this.content.focus();
  }

  close(): void {
    if (this.content) this.content.root.hidden = true;
  }
}

/** The last texts with a caller, for a card's context. */
function recentTexts(rows: SmsRow[]): HTMLElement | null {
  if (rows.length === 0) return null;
  const list = el("ul", { class: "recent-texts", testid: "recent-texts", attrs: { "aria-label": t("popup.lastTexts") } });
  for (const row of rows.slice(0, 3)) {
    list.append(
      el("li", { testid: "recent-text" }, [
        el("span", { class: "recent-time", text: formatWhen(row.atMs) }),
        " ",
        el("span", { class: "sms-direction", text: row.direction === "incoming" ? t("sms.received") : t("sms.sent") }),
        ": ",
        outsideText(row.text, { class: "recent-text-body", max: 80 }),
      ]),
    );
  }
  return list;
}

/** A card for one incoming text message, stacked with the call cards. */
class SmsCard {
  readonly root: HTMLElement;
  readonly arrived = ++arrivals;
  private readonly context: HTMLElement;
  private readonly compose: LazyPanel<SmsCompose>;
  private readonly feedback: HTMLElement;

  constructor(readonly key: string, readonly sms: SmsRow) {
    const idPrefix = `sms-${this.arrived}`;
    this.context = el("section", { class: "card-context", testid: "sms-context", attrs: { "aria-label": t("popup.whatWeKnow") } });
    this.feedback = el("p", { class: "card-feedback", testid: "sms-feedback", attrs: { role: "status" } });
    this.compose = new LazyPanel(
      () =>
        new SmsCompose(idPrefix, sms.number, () => {
          this.compose.close();
          this.feedback.textContent = t("popup.replySent");
        }),
      (root) => this.root.append(root),
    );
    const dismiss = el("button", {
      class: "icon-button",
      testid: "sms-dismiss",
      text: "✕",
      attrs: { type: "button", "aria-label": t("popup.dismissText"), title: t("popup.dismiss") },
    });
    dismiss.addEventListener("click", () => void this.dismiss());
    const reply = el("button", { class: "button", testid: "sms-reply", text: t("popup.reply"), attrs: { type: "button" } });
    reply.addEventListener("click", () => {
      if (this.compose.isOpen) this.compose.close();
      else this.compose.open();
      scheduleLayout();
    });
    const meta = [sms.span ? t("popup.textOnGsm", { span: sms.span }) : t("popup.text"), formatWhen(sms.atMs)].join(" · ");
    this.root = el(
      "article",
      { class: "card sms-card", testid: "sms-card", attrs: { "data-sms": sms.id, "aria-label": t("popup.textFrom", { number: sms.number }) } },
      [
        el("header", { class: "card-head" }, [
          el("div", { class: "caller" }, [
            outsideText(sms.number, { class: "caller-name", testid: "sms-sender" }),
            el("span", { class: "caller-number", testid: "sms-meta", text: meta }),
          ]),
          dismiss,
        ]),
        el("p", { class: "sms-text" }, [outsideText(sms.text, { class: "sms-body", testid: "sms-text", max: SMS_SHOWN_CHARS })]),
        this.context,
        el("div", { class: "card-actions" }, [reply]),
        this.feedback,
      ],
    );
  }

  renderContext(ctx: CallerContext): void {
    clear(this.context);
    if (ctx.contact) {
      const line = el("p", { class: "contact", testid: "contact" }, [
        outsideText(ctx.contact.name, { class: "contact-name", testid: "contact-name" }),
      ]);
      if (ctx.contact.company) line.append(", ", outsideText(ctx.contact.company, { class: "contact-company" }));
      this.context.append(line);
    }
    const texts = recentTexts((ctx.recentSms ?? []).filter((r) => r.id !== this.sms.id));
    if (texts) this.context.append(texts);
    scheduleLayout();
  }

  remove(): void {
    this.root.remove();
    smsCards.delete(this.key);
    scheduleLayout();
  }

  /** She is writing a reply on it (or has her cursor in it): it stays. */
  inUse(): boolean {
    return this.compose.isOpen || this.root.contains(document.activeElement);
  }

  async dismiss(): Promise<void> {
    this.remove();
    try {
      await command("dismiss_popup", { call: this.key });
    } catch {
      // The card is gone either way.
    }
  }
}

const smsCards = new Map<string, SmsCard>();

/**
 * The most text cards the popup keeps. Each stayed until she dismissed it,
 * and a day at a gateway brings hundreds: the app's soak (bench/app-soak)
 * ended a day with 1,000 cards in the popup's page. Every text is also in
 * the main window's History, newest first.
 */
const MAX_TEXT_CARDS = 10;

function applyIncomingSms(e: IncomingSmsEvent): void {
  if (smsCards.has(e.key)) return;
  const card = new SmsCard(e.key, e.sms);
  smsCards.set(e.key, card);
  retireOldTexts();
  scheduleLayout();
}

/**
 * Dismisses the oldest text cards beyond `MAX_TEXT_CARDS`, as her own click
 * would (the shell hears it, so the window hides once nothing is left),
 * except one she is replying to.
 */
function retireOldTexts(): void {
  let excess = smsCards.size - MAX_TEXT_CARDS;
  if (excess <= 0) return;
  const oldestFirst = [...smsCards.values()].sort((a, b) => a.arrived - b.arrived);
  for (const card of oldestFirst) {
    if (excess <= 0) break;
    if (card.inUse()) continue;
    void card.dismiss();
    olderTexts.hidden = false;
    excess -= 1;
  }
}

class PopupCard {
  readonly root: HTMLElement;
  readonly arrived = ++arrivals;
  readonly call: string;
  readonly extension: string;
  private readonly status: HTMLElement;
  private readonly ringingAt: HTMLElement;
  private readonly ringingRow: HTMLElement[];
  private readonly context: HTMLElement;
  private readonly transfers: HTMLElement;
  private callerName: HTMLElement;
  /** The name the card shows now, whole (the element may shorten it). */
  private shownName: string;
  private readonly callerNumber: HTMLElement;
  private readonly identity = new CallerIdentityView();
  /**
   * A consultation handed over: the card shows the caller now, and the
   * identity the shell sent was for the colleague's number it rang with.
   */
  private identityOutdated = false;
  /** For a consultation: who waits to be handed over. */
  private readonly consultLine: HTMLElement;
  /** A consultation card: the caller shown is her colleague, until the hand-over. */
  private consultation: boolean;
  private readonly feedback: HTMLElement;
  /** Transfer: the colleagues, live, and a number she types. */
  private readonly pickerPanel: LazyPanel<PickerPanel>;
  private readonly notePanel: LazyPanel<PanelContent>;
  /** "Text back": most useful once a call was missed, so it survives the call's end. */
  private readonly textPanel: LazyPanel<SmsCompose>;
  private readonly savedNotes: HTMLUListElement;
  private readonly actionButtons: HTMLButtonElement[] = [];
  /** Park: offered on an answered call only. */
  private readonly park: OfferButton;
  /** "Back from 1002: not answered", once the recall says so. */
  private recall: RecallBanner | null = null;
  private removeTimer: number | undefined;
  /** Set once the card is on its way out; later changes must not overwrite why. */
  closing = false;

  constructor(public popup: CardPopup) {
    this.call = popup.call;
    this.extension = popup.extension;
    const idPrefix = `card-${cards.size}-${Date.now().toString(36)}`;
    const name = this.pbxName();
    this.shownName = name;

    this.status = el("p", { class: "card-status", testid: "card-status", attrs: { role: "status" } });
    this.ringingAt = el("dd", { testid: "ringing-extensions" });
    this.ringingRow = [el("dt", { text: t("popup.ringing") }), this.ringingAt];
    this.context = el("section", { class: "card-context", testid: "caller-context", attrs: { "aria-label": t("popup.whatWeKnow") } });
    this.transfers = el("p", { class: "card-transfers", testid: "transfers" });
    this.consultation = popup.consultation === true;
    this.consultLine = el("p", { class: "card-consulting", testid: "consulting-for" });
    const waiting = popup.consulting_for;
    if (this.consultation && waiting) {
      const who = waiting.caller_name?.trim() ? waiting.caller_name : waiting.caller_num;
      const [before, after] = textAround("popup.wantsToHandOver", "name");
      this.consultLine.append(before, outsideText(who, { class: "consulting-name", testid: "consulting-name" }), after);
      if (who !== waiting.caller_num) {
        this.consultLine.append(" ", el("span", { class: "caller-number", text: waiting.caller_num, attrs: { dir: "ltr" } }));
      }
    }
    this.consultLine.hidden = !this.consultation;
    this.callerName = outsideText(name, { class: "caller-name", testid: "caller-name" });
    this.callerNumber = el("span", { class: "caller-number", testid: "caller-number", text: popup.caller_num, attrs: { dir: "ltr" } });
    this.feedback = el("p", { class: "card-feedback", testid: "card-feedback", attrs: { role: "status" } });

    this.savedNotes = el("ul", { class: "saved-notes", testid: "saved-notes" });
    // The panels go, once built, between the card's feedback and its saved notes.
    const place = (root: HTMLElement) => this.savedNotes.before(root);
    this.pickerPanel = new LazyPanel(() => this.makePicker(idPrefix), place);
    this.notePanel = new LazyPanel(() => this.makeNoteForm(idPrefix), place);
    this.textPanel = new LazyPanel(
      () =>
        new SmsCompose(idPrefix, popup.caller_num, () => {
          this.textPanel.close();
          this.say(t("sms.textSent"));
        }),
      place,
    );

    const lineParts: string[] = [];
    if (popup.park_return) lineParts.push(t("popup.line.backFromParking", { slot: popup.park_slot ?? "" }).trim());
    if (popup.did) lineParts.push(t("popup.line.did", { did: popup.did }));
    if (popup.queue) lineParts.push(t("popup.line.queue", { queue: popup.queue }));
    if (popup.trunk) lineParts.push(t("popup.line.trunk", { trunk: popup.trunk }));
    const lineText = lineParts.length > 0 ? lineParts.join(" · ") : popup.direction === "internal" ? t("popup.line.internal") : "—";

    const dismiss = el("button", {
      class: "icon-button",
      testid: "dismiss",
      text: "✕",
      attrs: { type: "button", "aria-label": t("popup.dismissCall"), title: t("popup.dismiss") },
    });
    dismiss.addEventListener("click", () => void this.dismiss());

    this.park = offerButton(t("popup.park"), "action-park", () => void this.parkCall());
    const actions = el("div", { class: "card-actions" }, [
      this.action(t("popup.transfer"), "action-transfer", () => this.togglePanel(this.pickerPanel)),
      this.park.button,
      voicemailTarget(popup) ? this.action(t("popup.toVoicemail"), "action-voicemail", () => void this.toVoicemail()) : null,
      this.action(t("popup.note"), "action-note", () => this.togglePanel(this.notePanel)),
      this.action(t("popup.copyNumber"), "action-copy", () => void this.copyNumber(), true),
      this.action(t("popup.openCrm"), "action-crm", () => void this.openCrm(), true),
      /\d/.test(popup.caller_num)
        ? this.action(t("popup.textBack"), "action-text", () => this.togglePanel(this.textPanel), true)
        : null,
    ]);

    this.root = el(
      "article",
      {
        class: `card direction-${popup.direction}${this.consultation ? " consultation" : ""}`,
        testid: "card",
        attrs: { "data-call": popup.call, "data-extension": popup.extension, "aria-label": t("popup.callFrom", { name }) },
      },
      [
        el("header", { class: "card-head" }, [
          this.identity.avatar,
          el("div", { class: "caller" }, [this.callerName, this.callerNumber, this.identity.lines]),
          dismiss,
        ]),
        this.status,
        this.consultLine,
        this.transfers,
        el("dl", { class: "card-line" }, [
          el("dt", { text: t("popup.line") }),
          el("dd", { testid: "line-info", text: lineText }),
          ...this.ringingRow,
        ]),
        this.context,
        actions,
        this.park.why,
        this.feedback,
        this.savedNotes,
      ],
    );

    this.refreshOffers();
    this.showRinging();
    this.refreshRinging();
    this.showIdentity();
    this.renderTransfers();
  }

  /** The PBX's caller name, what the card shows until the shell names the caller. */
  private pbxName(): string {
    return this.popup.caller_name?.trim() ? this.popup.caller_name : t("popup.unknownCaller");
  }

  /** Puts `name` at the head of the card, and in what a screen reader says of it. */
  private showName(name: string): void {
    if (name === this.shownName) return;
    this.shownName = name;
    this.callerName.replaceWith((this.callerName = outsideText(name, { class: "caller-name", testid: "caller-name" })));
    this.root.setAttribute("aria-label", t("popup.callFrom", { name }));
  }

  /** What the shell knows of the caller, once it has said; `null` before. */
  private knownIdentity(): CallerIdentity | null {
    return this.identityOutdated ? null : callInfo(this.call).identity;
  }

  /**
   * Shows who is calling as the shell last said: its name, else the PBX's
   * caller name as before; where the name came from, the company line and
   * the photo. The context's contact line gives way to it (`renderContext`).
   * A handed-over consultation keeps the caller's name it took from the call.
   */
  showIdentity(): void {
    if (this.identityOutdated) return;
    const identity = this.knownIdentity();
    this.showName(identity?.name ?? this.pbxName());
    this.identity.show(identity);
    this.renderContext();
  }

  private action(label: string, testid: string, onClick: () => void, survivesEnd = false): HTMLButtonElement {
    const b = el("button", { class: "button", testid, text: label, attrs: { type: "button" } });
    b.addEventListener("click", onClick);
    if (!survivesEnd) this.actionButtons.push(b);
    return b;
  }

  /** Opens `panel` (building it the first time) and closes the others, or closes it. */
  private togglePanel(panel: LazyPanel<PanelContent>): void {
    const open = !panel.isOpen;
    this.pickerPanel.close();
    this.notePanel.close();
    this.textPanel.close();
    if (open) panel.open();
    scheduleLayout();
  }

  private makePicker(idPrefix: string): PickerPanel {
    const picker = new TransferPicker(
      idPrefix,
      () => new Set([this.extension, ...myExtensions]),
      (choice) => void this.transfer(choice.target, choice.label, choice.attended),
      (extension, name) => void this.toColleagueVoicemail(extension, name),
    );
    picker.setVoicemail(offers.get("voicemail").allowed);
    picker.setColleagues(colleagues);
    return {
      root: el("div", { class: "card-panel", testid: "transfer-panel" }, [picker.root]),
      picker,
      focus: () => picker.focus(),
    };
  }

  private makeNoteForm(idPrefix: string): PanelContent {
    const text = el("textarea", {
      class: "input",
      testid: "note-text",
      attrs: { id: `${idPrefix}-note`, rows: "2", maxlength: "2000" },
    });
    const root = el("form", { class: "card-panel note-form", testid: "note-panel" }, [
      el("label", { text: t("popup.noteAboutCall"), attrs: { for: `${idPrefix}-note` } }),
      text,
      el("button", { class: "button primary", testid: "note-save", text: t("popup.saveNote"), attrs: { type: "submit" } }),
    ]);
    root.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.saveNote(text);
    });
    return { root, focus: () => text.focus() };
  }

  private say(text: string, kind: "ok" | "error" = "ok"): void {
    this.feedback.textContent = text;
    this.feedback.dataset.kind = kind;
  }

  private setStatus(text: string, state: string): void {
    this.status.textContent = text;
    this.root.dataset.state = state;
    this.refreshPark();
    scheduleLayout();
  }

  /** Park is for a call she is on: an answered card, not closing, not a consultation. */
  private refreshPark(): void {
    const parkable = this.root.dataset.state === "answered" && !this.closing && !this.consultation;
    this.park.button.hidden = !parkable;
    if (parkable) showOffer(this.park, offers.get("park"));
    else this.park.why.hidden = true;
  }

  /** What the PBX allows changed: Park, voicemail in the picker, the recall's button. */
  refreshOffers(): void {
    this.refreshPark();
    this.pickerPanel.built?.picker.setVoicemail(offers.get("voicemail").allowed);
    this.recall?.refresh();
  }

  /** The recall brought this call back to her: say so, and offer the colleague's voicemail. */
  showRecall(r: Recalled): void {
    if (this.recall?.recall.from === r.from) return;
    const banner = new RecallBanner(r);
    if (this.recall) this.recall.root.replaceWith(banner.root);
    else this.status.after(banner.root);
    this.recall = banner;
    scheduleLayout();
  }

  /** How a recall watch ended without a recall ("answered", "gave_up"). */
  recallEnded(r: Exclude<RecallOutput, { type: "recall" | "redirect" }>): void {
    if (r.type === "answered") this.recall?.answeredBy(r.by);
    else this.say(t("popup.recallFailed", { from: r.from }), "error");
  }

  /** The parked calls say where this call waits now. */
  noteParked(p: ParkedCall): void {
    if (this.feedback.dataset.parked === p.slot) return;
    this.feedback.dataset.parked = p.slot;
    this.say(flagged("popup.parkedIn", { slot: p.slot }, "lot", p.lot && p.lot !== "default" ? p.lot : ""));
  }

  /** Still ringing: such a card leads the stack and is never collapsed. */
  isRinging(): boolean {
    return this.root.dataset.state === "ringing" && !this.closing;
  }

  private isMine(extension: string): boolean {
    return extension === this.extension || myExtensions.has(extension);
  }

  showRinging(): void {
    if (this.consultation) {
      this.setStatus(t("popup.consultRinging", { number: this.popup.caller_num, extension: this.extension }), "ringing");
      return;
    }
    const where = this.popup.direction === "internal"
      ? t("popup.internalRingingAt", { extension: this.extension })
      : t("popup.ringingAt", { extension: this.extension });
    const from = this.popup.transferred_by ? t("popup.transferredHereBy", { name: this.popup.transferred_by }) + " " : "";
    const parked = this.popup.park_return
      ? flagged("popup.backFromParkingSpace", { slot: this.popup.park_slot ?? "?" }, "by", this.popup.parked_by ?? "") + " "
      : "";
    this.setStatus(`${parked}${from}${where}`, "ringing");
  }

  /**
   * Her phone rings again for this call (a transfer nobody answered coming
   * back, a parked call timing out): the card says it rings, and why, and
   * offers what a ringing call allows (no Park) until she answers again.
   */
  ringAgain(popup: CardPopup): void {
    if (this.consultation) return;
    this.popup = popup;
    this.showRinging();
  }

  /** Her phone, the one this card is for, is among those `ringing`. */
  ringsIn(ringing: readonly string[]): boolean {
    return ringing.includes(this.extension);
  }

  /** Still the colleague's side of a transfer (the caller shown is her colleague). */
  isConsultation(): boolean {
    return this.consultation;
  }

  /** A consultation card follows the consultation, then becomes the caller's card. */
  followConsultation(live: CallCard): void {
    if (!this.consultation || this.closing) return;
    if (live.consulting && live.consulting.to === this.extension) {
      if (live.consulting.answered) this.setStatus(t("popup.talkingBeforeTransfer", { name: live.consulting.by }), "consulting");
      return;
    }
    if (live.connected_to !== this.extension && !live.ringing.includes(this.extension)) return;
    // The hand-over is done: this is the caller's card now.
    this.consultation = false;
    this.root.classList.remove("consultation");
    this.identityOutdated = true;
    this.identity.show(null);
    this.renderContext();
    this.showName(live.caller_name?.trim() ? live.caller_name : t("popup.unknownCaller"));
    this.callerNumber.textContent = live.caller_num;
    this.consultLine.hidden = true;
    const by = live.transfers.at(-1)?.by;
    const from = by ? t("popup.transferredToYouBy", { name: by }) : t("popup.transferredToYou");
    if (live.connected_to === this.extension) this.setStatus(t("popup.fromTalking", { from }), "answered");
    else this.setStatus(t("popup.fromRinging", { from, extension: this.extension }), "ringing");
  }

  /** The call was picked up at another phone: say by whom. */
  notePickup(by: string): void {
    if (this.root.dataset.state !== "answered-elsewhere") return;
    this.status.textContent = this.isMine(by) ? t("popup.pickedUpByYou", { extension: by }) : t("popup.pickedUpBy", { name: by });
  }

  refreshRinging(): void {
    const ringing = [...callInfo(this.call).ringing];
    this.ringingAt.textContent = ringing.join(", ");
    for (const node of this.ringingRow) node.hidden = ringing.length === 0;
  }

  showAnswered(by: string): void {
    const mine = this.isMine(by);
    const pickedUp = callInfo(this.call).pickedUpBy === by;
    const text = mine
      ? t(pickedUp ? "popup.pickedUpByYou" : "popup.answeredByYou", { extension: by })
      : t("popup.answeredBy", { name: by });
    this.setStatus(text, "answered");
  }

  /** The call is out of the parking space it waited in: the card's "Parked in space 71…" no longer holds. */
  leftParking(): void {
    const slot = this.feedback.dataset.parked;
    if (slot === undefined) return;
    delete this.feedback.dataset.parked;
    this.say(t("popup.leftParking", { slot }));
  }

  /** The call waits in a parking space: nobody is on it, so nothing to park. */
  showParked(spot: ParkSpot): void {
    const lot = spot.lot && spot.lot !== "default" ? spot.lot : "";
    this.setStatus(flagged("popup.waitingInParking", { slot: spot.slot }, "lot", lot), "parked");
  }

  /** The call's transfer history: "Transferred by 1001 to 1002, then to 1003". */
  renderTransfers(): void {
    const hops = callInfo(this.call).transfers;
    this.transfers.textContent = hops
      .map((hop, i) =>
        flagged(i === 0 ? "popup.transferHopFirst" : "popup.transferHopThen", {
          to: hop.to,
          asked: hop.kind === "attended" ? "yes" : "no",
        }, "by", hop.by ?? ""),
      )
      .join(t("list.separator"));
  }

  renderContext(): void {
    const ctx = callInfo(this.call).context;
    clear(this.context);
    if (!ctx) return;
    // Once the shell has named the caller, the head of the card says who it is.
    if (ctx.contact && !this.knownIdentity()) {
      const contactLine = el("p", { class: "contact", testid: "contact" }, [
        outsideText(ctx.contact.name, { class: "contact-name", testid: "contact-name" }),
      ]);
      if (ctx.contact.company) {
        contactLine.append(", ", outsideText(ctx.contact.company, { class: "contact-company", testid: "contact-company" }));
      }
      this.context.append(contactLine);
    }
    if (ctx.callsToday > 0) {
      const text = t("popup.calledToday", { count: ctx.callsToday });
      this.context.append(el("p", { class: "calls-today", testid: "calls-today", text }));
    }
    if (ctx.recentCalls.length > 0) {
      const list = el("ul", { class: "recent-calls", testid: "recent-calls", attrs: { "aria-label": t("popup.lastCalls") } });
      for (const row of ctx.recentCalls.slice(0, 3)) {
        const item = el("li", { testid: "recent-call" }, [
          el("span", { class: "recent-time", text: formatWhen(row.startedAtMs) }),
          " ",
          el("span", { class: `outcome outcome-${row.outcome}`, text: outcomeText(row.outcome, row.answeredBy, row.queue) }),
        ]);
        for (const note of row.notes.slice(0, 2)) {
          item.append(el("br"), outsideText(note.text, { class: "recent-note", testid: "recent-note", max: 120 }));
        }
        list.append(item);
      }
      this.context.append(list);
    }
    const texts = recentTexts(ctx.recentSms ?? []);
    if (texts) this.context.append(texts);
    scheduleLayout();
  }

  setColleagues(list: Colleague[]): void {
    this.pickerPanel.built?.picker.setColleagues(list);
  }

  /** Shows why the card is going away, then removes it. */
  closeWith(text: string, state: string): void {
    if (this.closing) return;
    this.closing = true;
    this.setStatus(text, state);
    this.endActions();
    this.root.classList.add("closing");
    window.clearTimeout(this.removeTimer);
    // A card where she is writing a text back stays until she dismisses it.
    this.removeTimer = window.setTimeout(() => {
      if (!this.textPanel.isOpen) this.remove();
    }, CLOSING_NOTICE_MS);
  }

  endActions(): void {
    for (const b of this.actionButtons) b.disabled = true;
    this.pickerPanel.close();
    this.refreshPark();
  }

  /** The call ended: nothing left to send to voicemail. */
  endRecall(): void {
    this.recall?.end();
  }

  remove(): void {
    window.clearTimeout(this.removeTimer);
    this.root.remove();
    cards.delete(cardKey(this.call, this.extension));
    if (cardsOf(this.call).length === 0) calls.delete(this.call);
    scheduleLayout();
  }

  private async transfer(target: string, label: string, attended: boolean): Promise<void> {
    this.say(t(attended ? "popup.callingFirst" : "popup.transferring", { name: label }));
    try {
      await command("transfer", { call: this.call, target, attended });
      this.say(t(attended ? "popup.talkThenHangUp" : "popup.transferredTo", { name: label }));
      this.pickerPanel.close();
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async parkCall(): Promise<void> {
    this.say(t("popup.parking"));
    try {
      await command("park", { call: this.call });
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async toColleagueVoicemail(extension: string, name: string): Promise<void> {
    this.say(t("popup.sendingToVoicemailOf", { name }));
    try {
      await command("send_to_voicemail", { call: this.call, extension });
      this.say(t("popup.sentToVoicemailOf", { name, extension }));
      this.pickerPanel.close();
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async toVoicemail(): Promise<void> {
    const target = voicemailTarget(this.popup);
    if (!target) return;
    try {
      await command("transfer", { call: this.call, target, attended: false });
      this.say(t("popup.sentToVoicemail"));
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async saveNote(field: HTMLTextAreaElement): Promise<void> {
    const text = field.value.trim();
    if (text === "") {
      this.say(t("popup.typeNoteFirst"), "error");
      return;
    }
    try {
      const note = await command("add_note", { callId: this.call, number: this.popup.caller_num, text });
      this.savedNotes.append(el("li", { testid: "saved-note" }, [outsideText(note.text, { max: 200 })]));
      field.value = "";
      this.notePanel.close();
      this.say(t("popup.noteSaved"));
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async copyNumber(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.popup.caller_num);
      this.say(t("popup.copied", { number: this.popup.caller_num }));
    } catch {
      this.say(t("popup.copyFailed"), "error");
    }
  }

  private async openCrm(): Promise<void> {
    try {
      await command("open_crm", { number: this.popup.caller_num });
      this.say(t("popup.openedCrm"));
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private async dismiss(): Promise<void> {
    // Hide first: a dismiss must feel instant even if the shell is slow.
    for (const card of cardsOf(this.call)) card.remove();
    try {
      await command("dismiss_popup", { call: this.call });
    } catch {
      // The card is gone either way; the shell only forgets it later.
    }
  }
}

const CLOSE_KEYS: Record<CloseReason, MessageKey> = {
  answered: "outcome.answered",
  answered_elsewhere: "outcome.answeredElsewhere",
  missed: "popup.missedCall",
  ended: "popup.callEnded",
  transferred: "popup.transferred",
  consultation_ended: "popup.consultationEnded",
};

/**
 * Applies one tracker change to the cards. What it says about a call whose
 * cards are gone (dismissed, or removed after their closing notice, while
 * the shell still lets changes through for its popup duration) has nowhere
 * to go: keeping it would keep one entry per call of the day.
 */
function applyCardChange(change: CardChange): void {
  if (change.type !== "popup" && cardsOf(change.call).length === 0) {
    if (change.type === "call_end") forgetRecall(change.call);
    return;
  }
  const info = callInfo(change.call);
  switch (change.type) {
    case "popup": {
      const key = cardKey(change.call, change.extension);
      // A card still showing why it went away would go with this new ring.
      if (cards.get(key)?.closing) cards.get(key)!.remove();
      callInfo(change.call).ringing.add(change.extension);
      const shown = cards.get(key);
      if (shown) shown.ringAgain(change);
      else {
        const early = takeEarly(change.call);
        if (early) callInfo(change.call).identity = early;
        const card = new PopupCard(change);
        cards.set(key, card);
        const recalled = pendingRecall(change.call);
        if (recalled) card.showRecall(recalled);
        // A new ring is shown from the top of the stack, collapsed again.
        expanded = false;
        window.scrollTo(0, 0);
        scheduleLayout();
      }
      for (const card of cardsOf(change.call)) card.refreshRinging();
      break;
    }
    case "update": {
      const live = change.card;
      info.ringing = new Set(live.ringing);
      if (live.answered_by) info.answeredBy = live.answered_by;
      if (live.picked_up_by) info.pickedUpBy = live.picked_up_by;
      info.transfers = live.transfers;
      for (const card of cardsOf(change.call)) {
        card.refreshRinging();
        card.renderTransfers();
        const wasConsultation = card.isConsultation();
        card.followConsultation(live);
        if (live.picked_up_by) card.notePickup(live.picked_up_by);
        if (wasConsultation || card.closing) continue;
        if (live.parked) card.showParked(live.parked);
        else card.leftParking();
        // A call she answered once and that rings her again (a transfer
        // come back) keeps state "answered": her phone ringing wins.
        if (!live.parked && live.state === "answered" && live.answered_by && !card.ringsIn(live.ringing)) {
          card.showAnswered(live.answered_by);
        }
      }
      break;
    }
    case "close": {
      if (change.answered_by) info.answeredBy = change.answered_by;
      info.ringing.delete(change.extension);
      const card = cards.get(cardKey(change.call, change.extension));
      for (const other of cardsOf(change.call)) other.refreshRinging();
      if (!card) break;
      if (change.reason === "answered") {
        // The receptionist picked up: keep the card, it is where she transfers from.
        card.showAnswered(info.answeredBy ?? change.extension);
      } else if (change.reason === "answered_elsewhere") {
        card.closeWith(info.answeredBy ? t("popup.answeredBy", { name: info.answeredBy }) : t("outcome.answeredElsewhere"), "answered-elsewhere");
        if (info.pickedUpBy) card.notePickup(info.pickedUpBy);
      } else {
        card.closeWith(t(CLOSE_KEYS[change.reason] ?? "popup.callEnded"), change.reason);
      }
      break;
    }
    case "call_end": {
      info.answeredBy = change.answered_by ?? info.answeredBy;
      forgetRecall(change.call);
      for (const card of cardsOf(change.call)) {
        card.endRecall();
        card.closeWith(t(change.missed ? "popup.missedCall" : "popup.callEnded"), change.missed ? "missed" : "ended");
      }
      break;
    }
  }
}

function applyCallerContext(call: string, context: CallerContext): void {
  const sms = smsCards.get(call);
  if (sms) {
    sms.renderContext(context);
    return;
  }
  if (call.startsWith("sms:")) return; // a text card already dismissed
  // A card already gone (or never shown: do not disturb) keeps nothing.
  if (cardsOf(call).length === 0) return;
  callInfo(call).context = context;
  for (const card of cardsOf(call)) card.renderContext();
}

/**
 * Who is calling, as the shell decided it; each identity replaces the last
 * whole. One that comes before its card (the popup and the lookup race) is
 * kept for it; one for a card already gone shows nowhere.
 */
function applyCallerIdentity(call: string, identity: CallerIdentity): void {
  if (call.startsWith("sms:")) return;
  if (cardsOf(call).length === 0) {
    keepEarly(call, identity);
    return;
  }
  callInfo(call).identity = identity;
  for (const card of cardsOf(call)) card.showIdentity();
}

/**
 * A recall is shown on the card of its call: the card her phone's new ring
 * opened. The recall and that popup race; whichever comes second joins
 * them. Should no popup come (the card was dismissed), the card is rebuilt
 * from the live call, at her extension. Of the other outcomes, `answered`
 * and `gave_up` change a card only if one is up (the main window says
 * `gave_up` too), and `redirect` shows nothing: the `recall` follows.
 */
async function applyRecall(r: RecallOutput): Promise<void> {
  if (r.type === "redirect") return;
  if (r.type !== "recall") {
    forgetRecall(r.call);
    for (const card of cardsOf(r.call)) card.recallEnded(r);
    return;
  }
  rememberRecall(r);
  if (cardsOf(r.call).length === 0) {
    try {
      const live = (await command("list_live_calls")).find((c) => c.call === r.call);
      if (live && live.state !== "ended" && cardsOf(r.call).length === 0) popupFromLive(live, r.to);
    } catch {
      // Without the live call there is no caller to show; the popup event may still come.
    }
  }
  for (const card of cardsOf(r.call)) card.showRecall(r);
}

/** A card whose call waits in a parking space says which one. */
function applyParked(list: ParkedCall[]): void {
  for (const p of list) for (const card of cardsOf(p.call)) card.noteParked(p);
}

function applyPresence(list: Colleague[]): void {
  colleagues = list;
  for (const card of cards.values()) card.setColleagues(list);
}

/** The card a `popup` change would have opened, rebuilt from a live call. */
function popupFromLive(call: CallCard, extension: string): void {
  applyCardChange({
    type: "popup",
    call: call.call,
    extension,
    caller_num: call.caller_num,
    caller_name: call.caller_name,
    direction: call.direction ?? "inbound",
    trunk: call.trunk,
    did: call.did,
    queue: call.queue,
    transferred_by: call.transfers.at(-1)?.by ?? null,
    consultation: false,
    consulting_for: null,
    park_return: false,
    park_slot: null,
    parked_by: null,
    at_ms: call.started_at_ms,
  });
}

/**
 * The window may open (or reload) after a call began ringing, when its popup
 * event has already gone by: cards for calls ringing at my extensions are
 * rebuilt from the live calls, and their history is looked up directly.
 */
async function restoreRinging(live: CallCard[]): Promise<void> {
  for (const call of live) {
    if (call.state !== "ringing") continue;
    const mine = call.ringing.filter((ext) => myExtensions.has(ext));
    for (const extension of mine) popupFromLive(call, extension);
    if (mine.length > 0) {
      for (const ext of call.ringing) callInfo(call.call).ringing.add(ext);
      for (const card of cardsOf(call.call)) card.refreshRinging();
      if (!callInfo(call.call).context) {
        try {
          applyCallerContext(call.call, await command("lookup_caller", { number: call.caller_num }));
        } catch {
          // The card is useful without history; the next popup brings it.
        }
      }
    }
  }
}

/**
 * Builds and lays out one card off screen while the window waits for its
 * first call, so her first popup of the day does not also pay for compiling
 * the card code and its first layout: the first popup was the slowest of
 * every measured run (scripts/measure-app.sh).
 */
function warmUp(): void {
  const card = new PopupCard({
    type: "popup",
    call: "warm-up",
    extension: "0",
    caller_num: "+10000000000",
    caller_name: "Warm-up",
    direction: "inbound",
    trunk: "trunk",
    did: "100",
    queue: null,
    transferred_by: null,
    consultation: false,
    consulting_for: null,
    park_return: false,
    park_slot: null,
    parked_by: null,
    at_ms: 0,
  });
  const shelf = el("div", { attrs: { "aria-hidden": "true" } }, [card.root]);
  shelf.style.position = "absolute";
  shelf.style.left = "-10000px";
  shelf.style.width = "360px";
  document.body.append(shelf);
  void shelf.offsetHeight;
  shelf.remove();
}

const consoleHooks: ConsoleHooks = {
  offersChanged: () => {
    for (const card of cards.values()) card.refreshOffers();
  },
  recall: (r) => void applyRecall(r),
  parked: applyParked,
};

async function start(): Promise<void> {
  translatePage();
  // Her language changed in the main window's Settings: this window follows.
  window.addEventListener("storage", (e) => {
    if (e.key === LANGUAGE_STORAGE_KEY || e.key === null) location.reload();
  });
  refreshEmpty();
  window.addEventListener("resize", scheduleLayout);
  // Listen before asking for anything, so no change is lost in between.
  await Promise.all([
    onEvent(EVENTS.card, applyCardChange),
    onEvent(EVENTS.callerContext, (e) => applyCallerContext(e.call, e.callerContext)),
    onEvent(EVENTS.callerIdentity, (e) => applyCallerIdentity(e.call, e.identity)),
    onEvent(EVENTS.presence, applyPresence),
    onEvent(EVENTS.sms, applyIncomingSms),
    listenConsole(consoleHooks),
  ]);
  const [status, presence, live] = await Promise.allSettled([
    command("get_status"),
    command("get_presence"),
    command("list_live_calls"),
    loadOffers(consoleHooks),
  ]);
  if (status.status === "fulfilled") myExtensions = new Set(status.value.extensions);
  if (presence.status === "fulfilled") applyPresence(presence.value);
  if (live.status === "fulfilled") await restoreRinging(live.value);
  if (cards.size === 0) warmUp();
  document.body.dataset.ready = "true";
}

void start();
