// Settings' "Company directory" (LDAP / Active Directory) and "Address book"
// (CardDAV) sections: their fields, their passwords (typed once, handed to
// the keyring through `set_directory_password` / `set_address_book_password`,
// then wiped from the page), "Test directory" and "Sync now" with their
// results in place. The shell speaks LDAP and CardDAV and checks everything
// again; this file only fills, reads and invokes. settings.ts owns the form
// as a whole (validation summary, save order) and hands in what it needs.

import { byId } from "../dom";
import { command, errorText } from "../ipc";
import type { AddressBookSettings } from "../bindings/AddressBookSettings";
import type { AddressBookSyncResult } from "../bindings/AddressBookSyncResult";
import type { DirectorySettings } from "../bindings/DirectorySettings";
import type { DirectoryStep } from "../bindings/DirectoryStep";
import type { DirectoryTestResult } from "../bindings/DirectoryTestResult";
import type { Settings } from "../bindings/Settings";
import { t, type MessageKey } from "../i18n";
import { normalizeFingerprint, splitList, type SettingsField } from "../validate";

/** The sections' fields by the name validate.ts gives their errors. */
export const DIRECTORY_FIELD_IDS: Partial<Record<SettingsField, string>> = {
  directoryUrl: "s-dir-url",
  directoryFingerprint: "s-dir-fp",
  directoryBindDn: "s-dir-bind",
  directoryFilter: "s-dir-filter",
  directoryAttributes: "s-dir-attrs",
  addressBookUrl: "s-ab-url",
  addressBookUser: "s-ab-user",
  addressBookFingerprint: "s-ab-fp",
  addressBookSyncMinutes: "s-ab-sync",
};

/** No directory: what settings saved before issue 19 (or a test's mock) mean. */
const NO_DIRECTORY: DirectorySettings = {
  url: "", startTls: false, fingerprint: null, caFile: "", bindDn: "", baseDn: "", filter: "", attributes: [],
};
const NO_ADDRESS_BOOK: AddressBookSettings = { url: "", user: "", fingerprint: null, caFile: "", syncMinutes: 15 };

/** What settings.ts lends these sections: the whole form read and checked, and its message line. */
export interface SettingsForm {
  /** The form as Settings, or null after showing why it cannot be used (errors marked). */
  readChecked(): Settings | null;
  say(text: string, kind: "ok" | "error"): void;
}

let hasDirectoryPassword = false;
let hasAddressBookPassword = false;

const input = (id: string) => byId<HTMLInputElement>(id);

function showPasswordStates(): void {
  byId("dir-password-state").textContent = hasDirectoryPassword ? t("settings.secretSaved") : t("settings.secretNotSet");
  byId("ab-password-state").textContent = hasAddressBookPassword ? t("settings.secretSaved") : t("settings.secretNotSet");
}

/** A pin as the shell keeps it: one canonical form, null when empty, as typed when it is not a pin (validation says so). */
function readPin(id: string): string | null {
  const text = input(id).value.trim();
  return text === "" ? null : (normalizeFingerprint(text) ?? text);
}

/** A whole number, or NaN for anything else ("", "12.5", "15x"). */
function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** Fills both sections; a settings object without them (saved before they existed) shows them empty. */
export function fillDirectorySections(s: Partial<Settings>): void {
  const d = { ...NO_DIRECTORY, ...s.directory };
  input("s-dir-url").value = d.url;
  input("s-dir-starttls").checked = d.startTls;
  input("s-dir-fp").value = d.fingerprint ?? "";
  input("s-dir-ca").value = d.caFile;
  input("s-dir-bind").value = d.bindDn;
  input("s-dir-base").value = d.baseDn;
  input("s-dir-filter").value = d.filter;
  input("s-dir-attrs").value = d.attributes.join(", ");
  const a = { ...NO_ADDRESS_BOOK, ...s.addressBook };
  input("s-ab-url").value = a.url;
  input("s-ab-user").value = a.user;
  input("s-ab-fp").value = a.fingerprint ?? "";
  input("s-ab-ca").value = a.caFile;
  input("s-ab-sync").value = String(a.syncMinutes);
  hasDirectoryPassword = s.hasDirectoryPassword ?? false;
  hasAddressBookPassword = s.hasAddressBookPassword ?? false;
  showPasswordStates();
}

/** Both sections as the Settings fields they edit. */
export function readDirectorySections(): Pick<
  Settings,
  "directory" | "hasDirectoryPassword" | "addressBook" | "hasAddressBookPassword"
> {
  return {
    directory: {
      url: input("s-dir-url").value.trim(),
      startTls: input("s-dir-starttls").checked,
      fingerprint: readPin("s-dir-fp"),
      caFile: input("s-dir-ca").value.trim(),
      bindDn: input("s-dir-bind").value.trim(),
      baseDn: input("s-dir-base").value.trim(),
      filter: input("s-dir-filter").value.trim(),
      attributes: splitList(input("s-dir-attrs").value),
    },
    hasDirectoryPassword,
    addressBook: {
      url: input("s-ab-url").value.trim(),
      user: input("s-ab-user").value.trim(),
      fingerprint: readPin("s-ab-fp"),
      caFile: input("s-ab-ca").value.trim(),
      syncMinutes: wholeNumber(input("s-ab-sync").value),
    },
    hasAddressBookPassword,
  };
}

/**
 * Sends a typed password to the keyring and wipes it from the page, whatever
 * the outcome. The shell stores it for the saved server and user, and
 * refuses when they are not saved yet. Null when it went through (or none
 * was typed), else what to tell her.
 */
async function savePassword(which: "directory" | "addressBook"): Promise<string | null> {
  const field = input(which === "directory" ? "s-dir-password" : "s-ab-password");
  const password = field.value;
  field.value = "";
  if (password === "") return null;
  try {
    if (which === "directory") {
      await command("set_directory_password", { password });
      hasDirectoryPassword = true;
    } else {
      await command("set_address_book_password", { password });
      hasAddressBookPassword = true;
    }
    showPasswordStates();
    return null;
  } catch (e) {
    const notSaved = which === "directory" ? t("settings.directoryPasswordNotSaved") : t("settings.addressBookPasswordNotSaved");
    return `${errorText(e)} ${notSaved}`;
  }
}

/** Both typed passwords, after the settings are saved (their keyring entries are named after the saved server and user). */
export async function saveDirectoryPasswords(form: SettingsForm): Promise<boolean> {
  for (const which of ["directory", "addressBook"] as const) {
    const refused = await savePassword(which);
    if (refused !== null) {
      form.say(refused, "error");
      return false;
    }
  }
  return true;
}

const STEP_KEYS: Record<DirectoryStep, MessageKey> = {
  reach: "directory.step.reach",
  tls: "directory.step.tls",
  signIn: "directory.step.signIn",
  search: "directory.step.search",
};

/** Her language's sentence for the failed step, with the shell's English detail after it. */
export function directoryTestText(r: DirectoryTestResult): string {
  if (r.ok) return r.encrypted ? t("directory.testOk") : t("directory.testOkInClear");
  const summary = t(r.step === null ? "directory.testFailed" : STEP_KEYS[r.step]);
  return r.message.trim() === "" ? summary : t("error.withDetail", { summary, detail: r.message });
}

/** "Added 3, changed 1, removed 2." and the cards skipped, or why the sync failed. */
export function syncText(r: AddressBookSyncResult): string {
  if (!r.ok) {
    const summary = t("addressBook.syncFailed");
    return r.message.trim() === "" ? summary : t("error.withDetail", { summary, detail: r.message });
  }
  let text = t("addressBook.synced", { added: r.added, updated: r.updated, removed: r.removed });
  if (r.skipped > 0) text += " " + t("addressBook.skipped", { count: r.skipped });
  return text;
}

function showResult(id: string, text: string, kind: "ok" | "warn" | "error"): void {
  const box = byId(id);
  box.textContent = text;
  box.dataset.kind = kind;
}

/** "Test directory": the form's directory as typed, with the password saved first when one is typed. */
async function testDirectory(form: SettingsForm): Promise<void> {
  const id = "directory-test-result";
  const settings = form.readChecked();
  if (settings === null) return showResult(id, t("settings.fixBeforeTesting"), "error");
  const refused = await savePassword("directory");
  if (refused !== null) return showResult(id, refused, "error");
  showResult(id, t("directory.testing"), "ok");
  try {
    const r = await command("test_directory", { settings });
    showResult(id, directoryTestText(r), !r.ok ? "error" : r.encrypted ? "ok" : "warn");
  } catch (e) {
    showResult(id, errorText(e), "error");
  }
}

/** "Sync now": the saved address book, with a typed password saved first. */
async function syncNow(): Promise<void> {
  const id = "address-book-sync-result";
  const button = byId<HTMLButtonElement>("s-ab-sync-now");
  const refused = await savePassword("addressBook");
  if (refused !== null) return showResult(id, refused, "error");
  button.disabled = true;
  showResult(id, t("addressBook.syncing"), "ok");
  try {
    const r = await command("sync_address_book");
    showResult(id, syncText(r), r.ok ? "ok" : "error");
  } catch (e) {
    showResult(id, errorText(e), "error");
  } finally {
    button.disabled = false;
  }
}

async function savePasswordButton(which: "directory" | "addressBook", form: SettingsForm): Promise<void> {
  const typed = input(which === "directory" ? "s-dir-password" : "s-ab-password").value !== "";
  const dir = which === "directory";
  if (!typed) form.say(dir ? t("settings.typeDirectoryPasswordFirst") : t("settings.typeAddressBookPasswordFirst"), "error");
  else {
    const refused = await savePassword(which);
    if (refused !== null) form.say(refused, "error");
    else form.say(dir ? t("settings.directoryPasswordSaved") : t("settings.addressBookPasswordSaved"), "ok");
  }
}

export function startDirectorySections(form: SettingsForm): void {
  byId("s-dir-password-save").addEventListener("click", () => void savePasswordButton("directory", form));
  byId("s-ab-password-save").addEventListener("click", () => void savePasswordButton("addressBook", form));
  byId("s-dir-test").addEventListener("click", () => void testDirectory(form));
  byId("s-ab-sync-now").addEventListener("click", () => void syncNow());
}
