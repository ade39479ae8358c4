// The attendant console in the main window: fills the Parked calls and
// Queues panels and the board's voicemail counts from `get_console`, then
// keeps them live from the `parked`, `queues` and `voicemail` snapshots; the
// `console` event updates what may be offered, and a `recall` is said on the
// board. Snapshots can come far faster than the screen repaints, so the
// panels keep only the latest one and paint it once per frame.

import { byId } from "../dom";
import { errorText } from "../ipc";
import { EVENTS, command, onEvent } from "../ipc";
import type { ConsoleState } from "../bindings/ConsoleState";
import type { Offer } from "../bindings/Offer";
import type { ParkedCall } from "../bindings/ParkedCall";
import type { Queue } from "../bindings/Queue";
import type { RecallOutput } from "../bindings/RecallOutput";
import { Offers } from "../console-ui";
import { sayOnBoard, setBoardOffers, setVoicemail } from "./board";
import { renderParked, startParked } from "./parked";
import { renderQueues, startQueues } from "./queues";
import { t } from "../i18n";

const offers = new Offers();
let parked: ParkedCall[] = [];
let queues: Queue[] = [];
const dirty = { parked: false, queues: false };
let frame: number | undefined;
/** Which parts an event filled before `get_console` answered: its older copy must not win. */
const fresh = { parked: false, queues: false, voicemail: false, offers: false };

function paint(): void {
  frame = undefined;
  if (dirty.parked) renderParked(parked);
  if (dirty.queues) renderQueues(queues);
  dirty.parked = dirty.queues = false;
}

function schedule(part: keyof typeof dirty): void {
  dirty[part] = true;
  frame ??= window.requestAnimationFrame(paint);
}

function applyOffers(list: Offer[]): void {
  offers.set(list);
  byId("console-message").textContent = ""; // the shell answers again
  setBoardOffers(offers);
  schedule("parked");
  schedule("queues");
}

/** The main window's word on a recall; the popup shows the caller's card. */
function sayRecall(r: RecallOutput): void {
  if (r.type === "recall") sayOnBoard(t("recall.cameBack", { from: r.from }), "ok");
  else if (r.type === "gave_up") sayOnBoard(t("popup.recallFailed", { from: r.from }), "error");
  // `redirect` is on its way (the `recall` follows); `answered` means all is well.
}

function applyState(state: ConsoleState): void {
  if (!fresh.offers) applyOffers(state.offers);
  if (!fresh.parked) {
    parked = state.parked;
    schedule("parked");
  }
  if (!fresh.queues) {
    queues = state.queues;
    schedule("queues");
  }
  if (!fresh.voicemail) setVoicemail(state.voicemail);
}

export async function startConsole(): Promise<void> {
  startParked(offers);
  startQueues(offers);
  // Listen before asking, so no change is lost in between.
  await Promise.all([
    onEvent(EVENTS.parked, (list) => {
      fresh.parked = true;
      parked = list;
      schedule("parked");
    }),
    onEvent(EVENTS.queues, (list) => {
      fresh.queues = true;
      queues = list;
      schedule("queues");
    }),
    onEvent(EVENTS.voicemail, (list) => {
      fresh.voicemail = true;
      setVoicemail(list);
    }),
    onEvent(EVENTS.console, (list) => {
      fresh.offers = true;
      applyOffers(list);
    }),
    onEvent(EVENTS.recall, sayRecall),
    // No session when the page loaded (no password saved yet, say): asked
    // again once one connects, so the panels do not keep the old error.
    onEvent(EVENTS.connection, (status) => {
      if (status.state === "connected" && byId("console-message").dataset.kind === "error") void askConsole();
    }),
  ]);
  await askConsole();
}

async function askConsole(): Promise<void> {
  const m = byId("console-message");
  try {
    applyState(await command("get_console"));
    if (m.dataset.kind === "error") {
      m.textContent = "";
      delete m.dataset.kind;
    }
  } catch (e) {
    m.textContent = errorText(e);
    m.dataset.kind = "error";
    offers.unknown(errorText(e));
    setBoardOffers(offers);
    schedule("parked");
    schedule("queues");
  }
}
