// The "send a text" form shared by the popup (reply to a text) and the main
// window (text back from history): a one-line message to one number through
// the OpenVox gateway. It checks what the gateway can never send before
// asking the shell, which checks again with the calls crate's rules.

import { el, outsideText } from "./dom";
import { formatWhen } from "./i18n";
import { command, errorText } from "./ipc";
import type { SmsRow } from "./bindings/SmsRow";
import { t } from "./i18n";

/** What the gateway's `gsm send sms` cannot carry, in the words the shell also uses. */
export const LINE_BREAK_ERROR = t("sms.lineBreak");

/** Why `text` cannot be sent, or null when it can. */
export function smsTextProblem(text: string): string | null {
  if (text.trim() === "") return t("sms.typeFirst");
  if (/[\r\n]/.test(text)) return LINE_BREAK_ERROR;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return t("sms.controlChar");
  return null;
}

export class SmsCompose {
  readonly root: HTMLFormElement;
  private readonly text: HTMLTextAreaElement;
  private readonly feedback: HTMLElement;
  private readonly send: HTMLButtonElement;

  constructor(
    idPrefix: string,
    private readonly number: string,
    private readonly onSent: (row: SmsRow) => void = () => {},
  ) {
    this.text = el("textarea", {
      class: "input",
      testid: "sms-compose-text",
      attrs: { id: `${idPrefix}-sms`, rows: "2", maxlength: "900" },
    });
    this.send = el("button", { class: "button primary", testid: "sms-compose-send", text: t("sms.send"), attrs: { type: "submit" } });
    this.feedback = el("p", { class: "card-feedback", testid: "sms-compose-feedback", attrs: { role: "status" } });
    this.root = el("form", { class: "card-panel sms-compose", testid: "sms-compose" }, [
      el("label", { attrs: { for: `${idPrefix}-sms` } }, [t("sms.textTo"), " ", el("span", { text: number, attrs: { dir: "ltr" } })]),
      this.text,
      this.send,
      this.feedback,
    ]);
    this.root.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  focus(): void {
    this.text.focus();
  }

  private say(text: string, kind: "ok" | "error" = "ok"): void {
    this.feedback.textContent = text;
    this.feedback.dataset.kind = kind;
  }

  private async submit(): Promise<void> {
    const text = this.text.value;
    const problem = smsTextProblem(text);
    if (problem) {
      this.say(problem, "error");
      return;
    }
    this.send.disabled = true;
    this.say(t("sms.sending"));
    try {
      const row = await command("send_sms", { number: this.number, text: text.trim() });
      this.text.value = "";
      this.say(t("sms.textSent"));
      this.onSent(row);
    } catch (e) {
      this.say(errorText(e), "error");
    } finally {
      this.send.disabled = false;
    }
  }
}

let composeSeq = 0;

/** The last texts with `number`, oldest first, as a conversation reads. */
async function showThread(list: HTMLUListElement, number: string): Promise<void> {
  try {
    const rows = (await command("sms_thread", { number })).slice(0, 5).reverse();
    list.replaceChildren(
      ...rows.map((r) =>
        el("li", { testid: "sms-thread-item", attrs: { "data-direction": r.direction } }, [
          el("span", { class: "recent-time", text: formatWhen(r.atMs) }),
          " ",
          t(r.direction === "incoming" ? "sms.received" : r.status === "failed" ? "sms.notSent" : "sms.sent"),
          ": ",
          outsideText(r.text, { max: 200 }),
        ]),
      ),
    );
  } catch {
    // The form works without the thread (a number history cannot look up).
    list.replaceChildren();
  }
}

/**
 * A "Text back" button for a table row: opens the send-a-text form in a
 * row of its own under the button's row, or closes it when open.
 */
export function textBackButton(number: string, label: string, testid: string): HTMLButtonElement {
  const b = el("button", { class: "button", testid, text: label, attrs: { type: "button" } });
  let formRow: HTMLTableRowElement | null = null;
  b.addEventListener("click", () => {
    if (formRow) {
      formRow.remove();
      formRow = null;
      return;
    }
    const tr = b.closest("tr");
    const thread = el("ul", { class: "recent-texts", testid: "sms-thread", attrs: { "aria-label": t("sms.textsWith", { number }) } });
    const compose = new SmsCompose(`history-sms-${++composeSeq}`, number, () => void showThread(thread, number));
    formRow = el("tr", { class: "compose-row", testid: "compose-row" }, [
      el("td", { attrs: { colspan: "6" } }, [thread, compose.root]),
    ]);
    tr?.after(formRow);
    compose.focus();
    void showThread(thread, number);
  });
  return b;
}
