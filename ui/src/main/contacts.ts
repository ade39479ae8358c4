// Contacts: search, import from a file (the shell parses it and reports what
// it skipped), and export to a CSV download.

import { byId, el, outsideText } from "../dom";
import { command, errorText } from "../ipc";
import { textBackButton } from "../sms-compose";
import { dialNumber } from "./dialer";
import { t } from "../i18n";

/** Larger files are refused before reading; an address book is far smaller. */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

function say(text: string, kind: "ok" | "error" = "ok"): void {
  const m = byId("contacts-message");
  m.textContent = text;
  m.dataset.kind = kind;
}

async function loadContacts(): Promise<void> {
  const text = byId<HTMLInputElement>("contacts-text").value.trim();
  try {
    const contacts = await command("search_contacts", { text });
    byId("contacts-rows").replaceChildren(
      ...contacts.map((c) =>
        el("tr", { testid: "contact-row" }, [
          el("td", { class: "name", testid: "contact-row-name" }, [outsideText(c.name)]),
          el("td", { class: "name" }, [c.company ? outsideText(c.company) : ""]),
          el(
            "td",
            {},
            c.numbers.flatMap((n) => {
              const b = el("button", { class: "button", testid: "contact-call", text: t("contacts.callNumber", { number: n }), attrs: { type: "button" } });
              b.addEventListener("click", () => void dialNumber(n, `${c.name} (${n})`));
              return [b, " ", textBackButton(n, t("contacts.text"), "contact-text"), " "];
            }),
          ),
        ]),
      ),
    );
    say(contacts.length === 0 ? (text ? t("contacts.noMatch") : t("contacts.none")) : "");
  } catch (e) {
    say(errorText(e), "error");
  }
}

async function importFile(file: File): Promise<void> {
  const report = byId("import-report");
  if (file.size > MAX_IMPORT_BYTES) {
    report.replaceChildren(el("p", { class: "message", text: t("contacts.tooLarge", { file: file.name }), attrs: { "data-kind": "error" } }));
    return;
  }
  try {
    const content = await file.text();
    const result = await command("import_contacts", { fileName: file.name, content });
    const summary = t("contacts.imported", { count: result.imported, file: file.name });
    const parts: Node[] = [el("p", { class: "message", testid: "import-summary", text: summary, attrs: { "data-kind": "ok" } })];
    if (result.skipped.length > 0) {
      parts.push(
        el("p", { text: t("contacts.skipped", { count: result.skipped.length }) }),
        el(
          "ul",
          { testid: "import-skipped" },
          result.skipped.map((s) => el("li", { testid: "import-skipped-line" }, [t("contacts.line", { line: s.line }), " ", outsideText(s.reason, { max: 200 })])),
        ),
      );
    }
    report.replaceChildren(...parts);
    void loadContacts();
  } catch (e) {
    report.replaceChildren(el("p", { class: "message", text: errorText(e), attrs: { "data-kind": "error" } }));
  }
}

async function exportContacts(): Promise<void> {
  try {
    const csv = await command("export_contacts");
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
    const a = el("a", { attrs: { href: url, download: "ringside-contacts.csv" } });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    say(t("contacts.exported", { file: "ringside-contacts.csv" }));
  } catch (e) {
    say(errorText(e), "error");
  }
}

export async function startContacts(): Promise<void> {
  byId<HTMLFormElement>("contacts-search").addEventListener("submit", (e) => {
    e.preventDefault();
    void loadContacts();
  });
  const file = byId<HTMLInputElement>("contacts-file");
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (chosen) void importFile(chosen).finally(() => (file.value = ""));
  });
  byId("contacts-export").addEventListener("click", () => void exportContacts());
  await loadContacts();
}
