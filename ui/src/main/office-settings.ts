// Settings' "Connect through the office gateway" section (issue 17): the
// broker, this desk's user, the broker's certificate (pin or CA file) and
// its password, typed once and handed to the keyring through
// `set_broker_password`, then wiped from the page. While a broker is set,
// the PBX login fields are not used (the office gateway holds the PBX's
// only AMI session), so they are disabled with a note saying why; the
// desk's extensions stay hers. The shell checks everything again and does
// the connecting; settings.ts owns the form as a whole and its save order.

import { byId } from "../dom";
import { command, errorText } from "../ipc";
import type { OfficeSettings } from "../bindings/OfficeSettings";
import type { Settings } from "../bindings/Settings";
import { t } from "../i18n";
import { normalizeFingerprint, type Connection, type SettingsField } from "../validate";
import type { SettingsForm } from "./directory-settings";

/** The section's fields by the name validate.ts gives their errors. */
export const OFFICE_FIELD_IDS: Partial<Record<SettingsField, string>> = {
  officeBroker: "s-office-broker",
  officeUser: "s-office-user",
  officeFingerprint: "s-office-fp",
};

/** The PBX login's fields: not used while the office gateway is. */
const PBX_LOGIN_IDS = ["s-profile", "s-host", "s-port", "s-tls", "s-fingerprint", "s-user", "s-secret", "s-secret-save", "settings-test"];

const NO_OFFICE: OfficeSettings = { broker: "", user: "", fingerprint: null, caFile: "" };

let hasBrokerPassword = false;

const input = (id: string) => byId<HTMLInputElement>(id);

function showPasswordState(): void {
  byId("office-password-state").textContent = hasBrokerPassword ? t("settings.secretSaved") : t("settings.secretNotSet");
}

/** Whether a broker is typed: office mode. */
function officeChosen(): boolean {
  return input("s-office-broker").value.trim() !== "";
}

/** The connection the form is set to. */
export function chosenConnection(): Connection {
  return officeChosen() ? "office" : "direct";
}

/** Disables the PBX login while office mode is chosen, and says why. */
function showMode(): void {
  const office = officeChosen();
  for (const id of PBX_LOGIN_IDS) {
    const control = document.getElementById(id) as HTMLInputElement | HTMLButtonElement | HTMLSelectElement | null;
    if (control && control.disabled !== office) control.disabled = office;
  }
  byId("office-active").hidden = !office;
}

/** Fills the section; settings saved before office mode existed show it empty. */
export function fillOfficeSection(s: Partial<Settings>): void {
  const o = { ...NO_OFFICE, ...s.office };
  input("s-office-broker").value = o.broker;
  input("s-office-user").value = o.user;
  input("s-office-fp").value = o.fingerprint ?? "";
  input("s-office-ca").value = o.caFile;
  hasBrokerPassword = s.hasBrokerPassword ?? false;
  showPasswordState();
  showMode();
}

/** The section as the Settings fields it edits. */
export function readOfficeSection(): Pick<Settings, "office" | "hasBrokerPassword"> {
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
  input("s-office-broker").addEventListener("input", showMode);
  byId("s-office-password-save").addEventListener("click", async () => {
    if (input("s-office-password").value === "") return form.say(t("settings.typeBrokerPasswordFirst"), "error");
    const refused = await savePassword();
    if (refused !== null) form.say(refused, "error");
    else form.say(t("settings.brokerPasswordSaved"), "ok");
  });
}
