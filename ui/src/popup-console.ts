// The attendant console in the popup window: what the PBX lets her do from
// a card (park, send to voicemail), and the recall banner, "Back from 1002:
// not answered", with its one-click "Send to 1002's voicemail". popup.ts
// owns the cards; this file owns the offers and the recalls waiting for
// their card.

import { el } from "./dom";
import { errorText } from "./ipc";
import { EVENTS, command, onEvent } from "./ipc";
import type { ParkedCall } from "./bindings/ParkedCall";
import type { RecallOutput } from "./bindings/RecallOutput";
import { Offers, offerButton, showOffer, type OfferButton } from "./console-ui";
import { t } from "./i18n";

export const offers = new Offers();

export type Recalled = Extract<RecallOutput, { type: "recall" }>;

/** Recalls whose card has not come yet (the popup and the recall race), by call. */
const pending = new Map<string, Recalled>();
/** Only calls in flight wait here; a lost `call_end` must not make it grow all day. */
const MAX_PENDING = 50;

export function rememberRecall(r: Recalled): void {
  pending.delete(r.call);
  pending.set(r.call, r);
  if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
}

export function pendingRecall(call: string): Recalled | undefined {
  return pending.get(call);
}

export function forgetRecall(call: string): void {
  pending.delete(call);
}

/** On a recalled caller's card: why the call is back, and the way to voicemail. */
export class RecallBanner {
  readonly root: HTMLElement;
  private readonly text: HTMLElement;
  private readonly voicemail: OfferButton;
  private readonly message: HTMLElement;

  constructor(readonly recall: Recalled) {
    this.text = el("strong", { class: "recall-text", testid: "recall-text", text: t("recall.backFrom", { from: recall.from }) });
    this.message = el("span", { class: "message row-message", testid: "recall-message", attrs: { role: "status" } });
    this.voicemail = offerButton(t("recall.sendToVoicemailOf", { name: recall.from }), "recall-voicemail", () => void this.toVoicemail());
    this.voicemail.button.classList.add("primary");
    this.root = el("div", { class: "card-recall", testid: "recall", attrs: { role: "alert" } }, [
      this.text,
      el("div", { class: "card-actions" }, [this.voicemail.button]),
      this.voicemail.why,
      this.message,
    ]);
    this.refresh();
  }

  refresh(): void {
    if (!this.voicemail.button.hidden) showOffer(this.voicemail, offers.get("voicemail"));
  }

  /** Someone answered after all: nothing to send anywhere. */
  answeredBy(by: string): void {
    this.text.textContent = t("recall.answeredAfterAll", { name: by });
    this.voicemail.button.hidden = true;
    this.voicemail.why.hidden = true;
  }

  /** The call ended: the button has nothing left to send. */
  end(): void {
    this.voicemail.button.disabled = true;
  }

  private async toVoicemail(): Promise<void> {
    const from = this.recall.from;
    this.say(t("popup.sendingToVoicemailOf", { name: from }), "ok");
    try {
      await command("send_to_voicemail", { call: this.recall.call, extension: from });
      this.say(t("recall.sentToVoicemailOf", { name: from }), "ok");
    } catch (e) {
      this.say(errorText(e), "error");
    }
  }

  private say(text: string, kind: "ok" | "error"): void {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
  }
}

export interface ConsoleHooks {
  /** The offers changed: cards refresh their buttons. */
  offersChanged(): void;
  recall(r: RecallOutput): void;
  parked(list: ParkedCall[]): void;
}

let fresh = false;

/** Listens to the console's events. */
export async function listenConsole(hooks: ConsoleHooks): Promise<void> {
  await Promise.all([
    onEvent(EVENTS.console, (list) => {
      fresh = true;
      offers.set(list);
      hooks.offersChanged();
    }),
    onEvent(EVENTS.recall, hooks.recall),
    onEvent(EVENTS.parked, hooks.parked),
  ]);
}

/** Asks for what the PBX allows; a `console` event that came first wins. */
export async function loadOffers(hooks: ConsoleHooks): Promise<void> {
  try {
    const state = await command("get_console");
    if (!fresh) offers.set(state.offers);
  } catch (e) {
    offers.unknown(errorText(e));
  }
  hooks.offersChanged();
}
