// Settings' choice of connection ("Connect to: the PBX directly / the
// office gateway") and its "Connect through the office gateway" section
// (issue 17): the broker, this desk's user, the broker's certificate (pin
// or CA file) and its password, typed once and handed to the keyring
// through `set_broker_password`, then wiped from the page. The shell has no
// switch of its own: a saved broker is office mode (src-tauri's
// office::enabled), so the choice is read from the saved broker and saving
// "the PBX directly" saves the broker empty. Through the office gateway the
// PBX login fields are not used (the gateway holds the PBX's only AMI
// session), so they are disabled with a note saying why, and directly the
// office fields are; the desk's extensions stay hers either way. The
// recall delay stays editable (it is hers again when she connects directly)
// with a note that through the gateway the gateway's configuration decides. The shell
// checks everything again and does the connecting; settings.ts owns the
// form as a whole and its save order.

import { byId } from "../dom";
import { command, errorText } from "../ipc";
import type { OfficeSettings } from "../bindings/OfficeSettings";
import type { Settings } from "../bindings/Settings";
import { t } from "../i18n";
import { connectionOf, normalizeFingerprint, type Connection, type SettingsField } from "../validate";
import type { SettingsForm } from "./directory-settings";

/** The section's fields by the name validate.ts gives their errors. */
export const OFFICE_FIELD_IDS: Partial<Record<SettingsField, string>> = {
  officeBroker: "s-office-broker",
  officeUser: "s-office-user",
  officeFingerprint: "s-office-fp",
};

/** The PBX login's fields: not used through the office gateway. */
const PBX_LOGIN_IDS = ["s-profile", "s-host", "s-port", "s-tls", "s-fingerprint", "s-user", "s-secret", "s-secret-save", "settings-test"];

/** This section's fields: not used when connecting to the PBX directly. */
const OFFICE_IDS = ["s-office-broker", "s-office-user", "s-office-password", "s-office-password-save", "s-office-fp", "s-office-ca"];

const NO_OFFICE: OfficeSettings = { broker: "", user: "", fingerprint: null, caFile: "" };

let hasBrokerPassword = false;

/**
 * The office settings as last loaded or saved. Connecting directly, this
 * section is disabled and not checked, so it is sent back as saved with the
 * broker emptied: the desk's user and certificate stay for the day she
 * chooses the office gateway again.
 */
let savedOffice: OfficeSettings = NO_OFFICE;

const input = (id: string) => byId<HTMLInputElement>(id);

function showPasswordState(): void {
  byId("office-password-state").textContent = hasBrokerPassword ? t("settings.secretSaved") : t("settings.secretNotSet");
}

/** The connection chosen under "Connect to". */
export function chosenConnection(): Connection {
  return input("s-connect-office").checked ? "office" : "direct";
}

function disable(ids: string[], disabled: boolean): void {
  for (const id of ids) {
    const control = document.getElementById(id) as HTMLInputElement | HTMLButtonElement | HTMLSelectElement | null;
    if (control && control.disabled !== disabled) control.disabled = disabled;
  }
}

/** Enables the chosen connection's fields and disables the other's; through the office gateway, says why. */
function showMode(): void {
  const office = chosenConnection() === "office";
  disable(PBX_LOGIN_IDS, office);
  disable(OFFICE_IDS, !office);
  byId("office-active").hidden = !office;
  // The recall delay is the gateway's then (its recall_after_secs), not this desk's.
  byId("hint-recall-office").hidden = !office;
}

/** Fills the section; settings saved before office mode existed show it empty. */
export function fillOfficeSection(s: Partial<Settings>): void {
  const o = { ...NO_OFFICE, ...s.office };
  savedOffice = o;
  input(connectionOf({ office: o }) === "office" ? "s-connect-office" : "s-connect-direct").checked = true;
  input("s-office-broker").value = o.broker;
  input("s-office-user").value = o.user;
  input("s-office-fp").value = o.fingerprint ?? "";
  input("s-office-ca").value = o.caFile;
  hasBrokerPassword = s.hasBrokerPassword ?? false;
  showPasswordState();
  showMode();
}

/** The section as the Settings fields it edits: connecting directly, the saved ones without a broker. */
export function readOfficeSection(): Pick<Settings, "office" | "hasBrokerPassword"> {
  if (chosenConnection() === "direct") return { office: { ...savedOffice, broker: "" }, hasBrokerPassword };
  const pin = input("s-office-fp").value.trim();
  return {
    office: {
      broker: input("s-office-broker").value.trim(),
      user: input("s-office-user").value.trim(),
      fingerprint: pin === "" ? null : (normalizeFingerprint(pin) ?? pin),
      caFile: input("s-office-ca").value.trim(),
    },
    hasBrokerPassword,
  };
}

/** After the shell took the settings: what this section sends back while it is not used. */
export function officeSaved(s: Pick<Settings, "office">): void {
  savedOffice = s.office;
}

/**
 * Sends a typed broker password to the keyring (named after the saved
 * broker and user, so after the settings are saved) and wipes it from the
 * page, whatever the outcome. Null when it went through or none was typed,
 * else what to tell her.
 */
async function savePassword(): Promise<string | null> {
  const field = input("s-office-password");
  const password = field.value;
  field.value = "";
  if (password === "") return null;
  try {
    await command("set_broker_password", { password });
    hasBrokerPassword = true;
    showPasswordState();
    return null;
  } catch (e) {
    return `${errorText(e)} ${t("settings.brokerPasswordNotSaved")}`;
  }
}

/** The typed broker password, after the settings are saved; false when refused (and said). */
export async function saveBrokerPassword(form: SettingsForm): Promise<boolean> {
  const refused = await savePassword();
  if (refused === null) return true;
  form.say(refused, "error");
  return false;
}

export function startOfficeSection(form: SettingsForm): void {
  for (const id of ["s-connect-direct", "s-connect-office"]) input(id).addEventListener("change", showMode);
  byId("s-office-password-save").addEventListener("click", async () => {
    if (input("s-office-password").value === "") return form.say(t("settings.typeBrokerPasswordFirst"), "error");
    const refused = await savePassword();
    if (refused !== null) form.say(refused, "error");
    else form.say(t("settings.brokerPasswordSaved"), "ok");
  });
}
