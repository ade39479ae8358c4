// The colleague list a popup card transfers to: searchable by name or
// extension, showing live presence, blind ("transfer now") or attended
// ("ask first"), and, where the PBX allows it, "Voicemail" to send the
// caller to a colleague's voicemail. It only renders and reports a choice;
// the card invokes.

import { el, outsideText, presenceText, syncList, type Row } from "./dom";
import type { Colleague } from "./bindings/Colleague";
import { checkDialNumber } from "./validate";
import { t } from "./i18n";

export interface TransferChoice {
  target: string;
  label: string;
  attended: boolean;
}

export class TransferPicker {
  readonly root: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly attended: HTMLInputElement;
  private colleagues: Colleague[] = [];
  /** "Send to voicemail" is offered (the `voicemail` offer allows it). */
  private voicemail = false;

  constructor(
    idPrefix: string,
    private readonly exclude: () => Set<string>,
    private readonly onChoose: (choice: TransferChoice) => void,
    /** Sends the caller to this colleague's voicemail (`send_to_voicemail`). */
    private readonly onVoicemail: (extension: string, label: string) => void = () => {},
  ) {
    this.search = el("input", {
      class: "input",
      testid: "transfer-search",
      attrs: {
        type: "search",
        id: `${idPrefix}-search`,
        placeholder: t("transfer.searchPlaceholder"),
        autocomplete: "off",
        "aria-controls": `${idPrefix}-list`,
      },
    });
    const blind = el("input", {
      testid: "transfer-mode-blind",
      attrs: { type: "radio", name: `${idPrefix}-mode`, value: "blind", id: `${idPrefix}-blind` },
    });
    blind.checked = true;
    this.attended = el("input", {
      testid: "transfer-mode-attended",
      attrs: { type: "radio", name: `${idPrefix}-mode`, value: "attended", id: `${idPrefix}-attended` },
    });
    this.list = el("ul", { class: "picker-list", testid: "transfer-list", attrs: { id: `${idPrefix}-list` } });
    this.root = el("div", { class: "picker", testid: "transfer-picker" }, [
      el("label", { class: "picker-label", text: t("transfer.to"), attrs: { for: `${idPrefix}-search` } }),
      this.search,
      el("fieldset", { class: "picker-modes" }, [
        el("legend", { class: "sr-only", text: t("transfer.how") }),
        el("label", { attrs: { for: `${idPrefix}-blind` } }, [blind, " ", t("transfer.now")]),
        el("label", { attrs: { for: `${idPrefix}-attended` } }, [this.attended, " ", t("transfer.askFirst")]),
      ]),
      this.list,
    ]);
    this.search.addEventListener("input", () => this.render());
    this.search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this.list.querySelector<HTMLButtonElement>("button")?.click();
      }
    });
  }

  setColleagues(colleagues: Colleague[]): void {
    this.colleagues = colleagues;
    this.render();
  }

  /** Shows or hides each colleague's "Voicemail" target. */
  setVoicemail(allowed: boolean): void {
    if (this.voicemail === allowed) return;
    this.voicemail = allowed;
    this.render();
  }

  focus(): void {
    this.search.focus();
  }

  private render(): void {
    const query = this.search.value.trim().toLowerCase();
    const excluded = this.exclude();
    const matches = this.colleagues.filter(
      (c) =>
        !excluded.has(c.extension) &&
        (query === "" || c.extension.toLowerCase().includes(query) || c.name.toLowerCase().includes(query)),
    );
    const rows: Row[] = matches.map((c) => ({
      key: `colleague:${c.extension}`,
      sig: `${JSON.stringify(c)}\u0000${this.voicemail}`,
      make: () => {
        const button = el("button", { testid: "transfer-target", attrs: { type: "button", "data-extension": c.extension } });
        const now = () => this.colleagues.find((x) => x.extension === c.extension) ?? c;
        button.addEventListener("click", () => this.choose(now().extension, `${now().name} (${now().extension})`));
        const voicemail = el("button", {
          class: "button picker-voicemail",
          testid: "transfer-voicemail",
          text: t("transfer.voicemail"),
          attrs: { type: "button", "data-extension": c.extension },
        });
        voicemail.addEventListener("click", () => this.onVoicemail(now().extension, now().name));
        return el("li", { class: "picker-row" }, [button, voicemail]);
      },
      fill: (li) => {
        const button = li.firstElementChild as HTMLButtonElement;
        const voicemail = button.nextElementSibling as HTMLButtonElement;
        voicemail.hidden = !this.voicemail;
        voicemail.setAttribute("aria-label", t("transfer.voicemailOf", { name: c.name, extension: c.extension }));
        button.className = `picker-target presence-${c.state}`;
        button.replaceChildren(
          el("span", { class: "presence-dot", attrs: { "aria-hidden": "true" } }),
          outsideText(c.name, { class: "picker-name", max: 32 }),
          el("span", { class: "picker-ext", text: c.extension }),
          el("span", { class: "picker-state", testid: "transfer-target-state", text: presenceText(c.state) }),
        );
      },
    }));
    // A number nobody on the board has (another department, a mobile) can still be typed.
    const typed = checkDialNumber(this.search.value);
    if (typed.ok && !matches.some((c) => c.extension === typed.number)) {
      const number = typed.number;
      rows.push({
        key: `typed:${number}`,
        sig: number,
        make: () => {
          const button = el("button", {
            class: "picker-target picker-typed",
            testid: "transfer-typed",
            text: t("transfer.toNumber", { number }),
            attrs: { type: "button" },
          });
          button.addEventListener("click", () => this.choose(number, number));
          return el("li", {}, [button]);
        },
        fill: () => {},
      });
    }
    if (rows.length === 0) {
      rows.push({ key: "empty", sig: "", make: () => el("li", { class: "picker-empty", text: t("transfer.noMatch") }), fill: () => {} });
    }
    // Presence re-sends the list several times a second: rows are kept, so a
    // colleague reached with the keyboard keeps the focus.
    syncList(this.list, rows);
  }

  private choose(target: string, label: string): void {
    this.onChoose({ target, label, attended: this.attended.checked });
  }
}
