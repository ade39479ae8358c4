// The colleagues board and the live calls above it. Clicking a colleague
// calls them; dropping a live call chip on a colleague (or choosing a chip,
// then a colleague, from the keyboard) transfers that call to them.

import { byId, el, outsideText, presenceText, syncList } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { Colleague } from "../bindings/Colleague";
import type { CallCard } from "../bindings/CallCard";
import { dialNumber } from "./dialer";

const CALL_MIME = "application/x-ringside-call";

let colleagues: Colleague[] = [];
let liveCalls: CallCard[] = [];
/** The call chosen for a keyboard transfer, waiting for a colleague. */
let pickedCall: string | null = null;

function say(text: string, kind: "ok" | "error"): void {
  const m = byId("board-message");
  m.textContent = text;
  m.dataset.kind = kind;
}

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
    say(`Transferred ${call ? callLabel(call) : "the call"} to ${who}.`, "ok");
  } catch (e) {
    say(errorText(e), "error");
  }
}

/** The colleague behind a board button, as presence last said. */
function colleagueAt(extension: string): Colleague | undefined {
  return colleagues.find((c) => c.extension === extension);
}

function colleagueButton(extension: string): HTMLLIElement {
  const button = el("button", { testid: "colleague", attrs: { type: "button", "data-extension": extension } });
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
  return el("li", {}, [button]);
}

function fillColleague(li: HTMLElement, c: Colleague): void {
  const button = li.firstElementChild as HTMLButtonElement;
  const detail = c.talkingTo ? `${presenceText(c.state)} with ${c.talkingTo}` : presenceText(c.state);
  const dropTarget = button.classList.contains("drop-target");
  button.className = `colleague presence-${c.state}${dropTarget ? " drop-target" : ""}`;
  button.dataset.state = c.state;
  button.replaceChildren(
    el("span", { class: "presence-dot", attrs: { "aria-hidden": "true" } }),
    outsideText(c.name, { class: "colleague-name", max: 40 }),
    el("span", { class: "colleague-detail", testid: "colleague-detail" }, [`${c.extension} · `, outsideText(detail, { max: 60 })]),
  );
}

function renderBoard(): void {
  syncList(
    byId("board"),
    colleagues.map((c) => ({
      key: c.extension,
      sig: JSON.stringify(c),
      make: () => colleagueButton(c.extension),
      fill: (li) => fillColleague(li, c),
    })),
  );
}

function renderCalls(): void {
  const list = byId("live-calls");
  if (liveCalls.length === 0) {
    list.replaceChildren(el("li", { class: "hint", testid: "no-live-calls", text: "No calls right now." }));
    return;
  }
  list.replaceChildren(
    ...liveCalls.map((c) => {
      const where = c.state === "answered" && c.answered_by ? `with ${c.answered_by}` : c.state;
      const chip = el(
        "button",
        {
          class: "call-chip",
          testid: "live-call",
          attrs: {
            type: "button",
            draggable: "true",
            "data-call": c.call,
            "aria-pressed": String(pickedCall === c.call),
            title: "Drag onto a colleague to transfer, or press to choose a colleague",
          },
        },
        [outsideText(callLabel(c), { max: 30 }), ` · ${where}`],
      );
      chip.addEventListener("dragstart", (e) => {
        e.dataTransfer?.setData(CALL_MIME, c.call);
        e.dataTransfer?.setData("text/plain", c.caller_num);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
      });
      chip.addEventListener("click", () => {
        pickedCall = pickedCall === c.call ? null : c.call;
        renderCalls();
        if (pickedCall) say(`Choose a colleague to transfer ${callLabel(c)} to. Press Esc to cancel.`, "ok");
        else say("", "ok");
      });
      return el("li", {}, [chip]);
    }),
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

export async function startBoard(): Promise<void> {
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && pickedCall) {
      pickedCall = null;
      renderCalls();
      say("Transfer cancelled.", "ok");
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
