// The dial box and pad: dials a typed number, or finds a contact by name and
// dials one of theirs. A string that is not a number is refused here with a
// reason and never reaches `dial`.

import { byId, el, outsideText } from "../dom";
import { command, errorText, EVENTS, onEvent } from "../ipc";
import type { ConfirmDial } from "../bindings/ConfirmDial";
import { checkDialNumber, looksLikeNumber } from "../validate";
import { t, type MessageKey } from "../i18n";

const PAD_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

function say(text: string, kind: "ok" | "error"): void {
  const message = byId("dial-message");
  message.textContent = text;
  message.dataset.kind = kind;
}

/** Dials after the same check as the box; used by the board, history and contacts too. */
export async function dialNumber(raw: string, label?: string): Promise<boolean> {
  const checked = checkDialNumber(raw);
  if (!checked.ok) {
    say(checked.message, "error");
    return false;
  }
  say(t("dial.calling", { name: label ?? checked.number }), "ok");
  try {
    await command("dial", { number: checked.number });
    return true;
  } catch (e) {
    say(errorText(e), "error");
    return false;
  }
}

const SOURCE_KEYS: Record<string, MessageKey> = {
  hotkey: "dial.source.hotkey",
  link: "dial.source.link",
  tray: "dial.source.tray",
};

/**
 * A dial that did not start with a click here (hotkey, tel: link, tray) waits
 * for the user's yes; nothing is dialled on the event alone.
 */
function askToDial(request: ConfirmDial): void {
  const box = byId("confirm-dial");
  const from = t(Object.hasOwn(SOURCE_KEYS, request.source) ? SOURCE_KEYS[request.source] : "dial.source.other");
  byId("confirm-dial-text").textContent = t("dial.confirm", { number: request.number, from });
  box.dataset.number = request.number;
  box.hidden = false;
  byId("confirm-dial-yes").focus();
}

function closeConfirm(): void {
  const box = byId("confirm-dial");
  box.hidden = true;
  delete box.dataset.number;
}

export async function startDialer(): Promise<void> {
  const form = byId<HTMLFormElement>("dialer");
  const input = byId<HTMLInputElement>("dial-input");
  const matches = byId<HTMLUListElement>("dial-matches");
  const pad = byId("dial-pad");

  for (const key of PAD_KEYS) {
    const b = el("button", { class: "button", testid: `pad-${key}`, text: key, attrs: { type: "button" } });
    b.addEventListener("click", () => {
      input.value += key;
      input.focus();
    });
    pad.append(b);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const checked = checkDialNumber(input.value);
    if (!checked.ok) {
      const hint = matches.childElementCount > 0 ? " " + t("dial.chooseContactHint") : "";
      say(checked.message + hint, "error");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    void dialNumber(checked.number);
  });

  byId("confirm-dial-yes").addEventListener("click", () => {
    const number = byId("confirm-dial").dataset.number;
    closeConfirm();
    if (number) void dialNumber(number);
  });
  byId("confirm-dial-no").addEventListener("click", () => {
    closeConfirm();
    say(t("dial.cancelled"), "ok");
    input.focus();
  });
  byId("confirm-dial").addEventListener("keydown", (e) => {
    if (e.key === "Escape") byId<HTMLButtonElement>("confirm-dial-no").click();
  });

  let searchTimer: number | undefined;
  let searchSeq = 0;
  input.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    const text = input.value.trim();
    if (text.length < 2 || looksLikeNumber(text)) {
      matches.replaceChildren();
      return;
    }
    searchTimer = window.setTimeout(async () => {
      const seq = ++searchSeq;
      try {
        const contacts = await command("search_contacts", { text });
        if (seq !== searchSeq) return; // a newer search is on its way
        matches.replaceChildren(
          ...contacts.slice(0, 8).flatMap((c) =>
            c.numbers.map((n) => {
              const b = el("button", { class: "button contact-call", testid: "dial-match", attrs: { type: "button" } }, [
                t("dial.callContact"),
                " ",
                outsideText(c.name, { max: 40 }),
                ` ${n}`,
              ]);
              b.addEventListener("click", () => void dialNumber(n, `${c.name} (${n})`));
              return el("li", {}, [b]);
            }),
          ),
        );
      } catch {
        matches.replaceChildren();
      }
    }, 200);
  });

  await Promise.all([
    onEvent(EVENTS.confirmDial, askToDial),
    onEvent(EVENTS.focusDialer, () => {
      byId<HTMLButtonElement>("tab-calls").click();
      input.focus();
      input.select();
    }),
  ]);
}
