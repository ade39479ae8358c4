// The Settings form: PBX profile and connection, the AMI secret (typed once,
// handed to the keyring through `set_secret`, then wiped from the page),
// watched extensions, number plan, CRM link, popup and start-up options,
// and the attendant console's recall delay and queues to show. The company
// directory and address book sections live in directory-settings.ts.
// Client-side checks name the field; the shell checks again on save.

import { byId, el } from "../dom";
import { command, errorText } from "../ipc";
import type { PbxProfile } from "../bindings/PbxProfile";
import type { PopupPosition } from "../bindings/PopupPosition";
import type { Settings } from "../bindings/Settings";
import {
  defaultPort,
  normalizeFingerprint,
  PROFILES,
  splitList,
  validateSettings,
  type Connection,
  type FieldError,
  type SettingsField,
} from "../validate";
import { t } from "../i18n";
import {
  DIRECTORY_FIELD_IDS,
  fillDirectorySections,
  readDirectorySections,
  saveDirectoryPasswords,
  startDirectorySections,
  type SettingsForm,
} from "./directory-settings";
import {
  chosenConnection,
  fillOfficeSection,
  OFFICE_FIELD_IDS,
  officeSaved,
  readOfficeSection,
  saveBrokerPassword,
  startOfficeSection,
} from "./office-settings";

/** Form fields by the Settings key they edit (the secret is not one of them). */
const FIELD_IDS: Partial<Record<SettingsField, string>> = {
  profile: "s-profile",
  host: "s-host",
  port: "s-port",
  tls: "s-tls",
  pinnedFingerprint: "s-fingerprint",
  amiUser: "s-user",
  extensions: "s-extensions",
  watchedGroups: "s-groups",
  countryCode: "s-country",
  trunkPrefix: "s-trunk",
  crmUrlTemplate: "s-crm",
  popupPosition: "s-position",
  popupDurationSecs: "s-duration",
  notifications: "s-notifications",
  notifyWithPopup: "s-notify-with-popup",
  startWithOs: "s-autostart",
  gsmSpan: "s-gsm-span",
  elastixUrl: "s-elastix-url",
  elastixFingerprint: "s-elastix-fp",
  watchedQueues: "s-watched-queues",
  recallAfterSecs: "s-recall",
  ...DIRECTORY_FIELD_IDS,
  ...OFFICE_FIELD_IDS,
};

let hasSecret = false;

/** The PBX login's fields, the settings' keys of them. */
type PbxLogin = Pick<Settings, "profile" | "host" | "port" | "tls" | "pinnedFingerprint" | "amiUser">;

/**
 * The PBX login as last loaded or saved. Through the office gateway its
 * fields are disabled and not checked, so it is sent back as saved (the
 * shell accepted it then): whatever was left half-typed in them before
 * she chose the office gateway cannot make the shell refuse a save she has
 * no way to fix.
 */
let savedLogin: PbxLogin | null = null;

function pbxLogin(s: Settings): PbxLogin {
  return { profile: s.profile, host: s.host, port: s.port, tls: s.tls, pinnedFingerprint: s.pinnedFingerprint, amiUser: s.amiUser };
}

let hasApiToken = false;

function showApiTokenState(): void {
  byId("api-token-state").textContent = hasApiToken
    ? t("settings.secretSaved")
    : t("settings.secretNotSet");
}

const input = (id: string) => byId<HTMLInputElement>(id);

function say(text: string, kind: "ok" | "error"): void {
  const m = byId("settings-message");
  m.textContent = text;
  m.dataset.kind = kind;
}

function showSecretState(): void {
  byId("secret-state").textContent = hasSecret
    ? t("settings.secretSaved")
    : t("settings.secretNotSet");
}

function fillForm(saved: Settings): void {
  const s = saved;
  savedLogin = pbxLogin(s);
  byId<HTMLSelectElement>("s-profile").value = s.profile;
  input("s-host").value = s.host;
  input("s-port").value = String(s.port);
  input("s-tls").checked = s.tls;
  input("s-fingerprint").value = s.pinnedFingerprint ?? "";
  input("s-user").value = s.amiUser;
  input("s-extensions").value = s.extensions.join(", ");
  input("s-groups").value = s.watchedGroups.join(", ");
  input("s-country").value = s.countryCode;
  input("s-trunk").value = s.trunkPrefix;
  input("s-crm").value = s.crmUrlTemplate;
  byId<HTMLSelectElement>("s-position").value = s.popupPosition;
  input("s-duration").value = String(s.popupDurationSecs);
  input("s-notifications").checked = s.notifications;
  input("s-notify-with-popup").checked = s.notifyWithPopup ?? false;
  input("s-autostart").checked = s.startWithOs;
  input("s-gsm-span").value = String(s.gsmSpan ?? 1);
  input("s-elastix-url").value = s.elastixUrl ?? "";
  input("s-elastix-fp").value = s.elastixFingerprint ?? "";
  input("s-watched-queues").value = s.watchedQueues.join(", ");
  input("s-recall").value = String(s.recallAfterSecs);
  hasApiToken = s.hasApiToken ?? false;
  showApiTokenState();
  hasSecret = s.hasSecret;
  showSecretState();
  fillDirectorySections(s);
  fillOfficeSection(s);
}

/** A whole number, or NaN for anything else ("", "12.5", "5038x"). */
function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** The form as Settings, for the connection it is set to. */
function readForm(via: Connection): Settings {
  const typed = readTyped();
  return via === "office" && savedLogin !== null ? { ...typed, ...savedLogin } : typed;
}

function readTyped(): Settings {
  const fingerprint = input("s-fingerprint").value.trim();
  const apiFingerprint = input("s-elastix-fp").value.trim();
  return {
    profile: byId<HTMLSelectElement>("s-profile").value as PbxProfile,
    host: input("s-host").value.trim(),
    port: wholeNumber(input("s-port").value),
    tls: input("s-tls").checked,
    // Left out when empty: the shell's Settings skips a missing pin rather than taking null.
    pinnedFingerprint: fingerprint === "" ? undefined : (normalizeFingerprint(fingerprint) ?? fingerprint),
    amiUser: input("s-user").value.trim(),
    hasSecret,
    extensions: splitList(input("s-extensions").value),
    watchedGroups: splitList(input("s-groups").value),
    // Stored without the +, as the shell's number plan expects ("44", not "+44").
    countryCode: input("s-country").value.trim().replace(/^\+/, ""),
    trunkPrefix: input("s-trunk").value.trim(),
    crmUrlTemplate: input("s-crm").value.trim(),
    popupPosition: byId<HTMLSelectElement>("s-position").value as PopupPosition,
    popupDurationSecs: wholeNumber(input("s-duration").value),
    notifications: input("s-notifications").checked,
    notifyWithPopup: input("s-notify-with-popup").checked,
    startWithOs: input("s-autostart").checked,
    gsmSpan: wholeNumber(input("s-gsm-span").value),
    elastixUrl: input("s-elastix-url").value.trim(),
    elastixFingerprint: apiFingerprint === "" ? undefined : (normalizeFingerprint(apiFingerprint) ?? apiFingerprint),
    hasApiToken,
    watchedQueues: splitList(input("s-watched-queues").value),
    recallAfterSecs: wholeNumber(input("s-recall").value),
    ...readDirectorySections(),
    ...readOfficeSection(),
  };
}

function showErrors(errors: FieldError[]): void {
  for (const [field, id] of Object.entries(FIELD_IDS)) {
    const error = errors.find((e) => e.field === field);
    const errorBox = document.getElementById(`err-${field}`);
    if (errorBox) errorBox.textContent = error?.message ?? "";
    const control = document.getElementById(id!);
    if (error) control?.setAttribute("aria-invalid", "true");
    else control?.removeAttribute("aria-invalid");
  }
  const summary = byId("settings-errors");
  if (errors.length === 0) {
    summary.hidden = true;
    summary.replaceChildren();
    return;
  }
  summary.replaceChildren(
    el("strong", { text: t("settings.thingsToFix", { count: errors.length }) }),
    el(
      "ul",
      {},
      errors.map((e) => {
        const link = el("a", { testid: "settings-error", text: e.message, attrs: { href: `#${FIELD_IDS[e.field]}` } });
        link.addEventListener("click", (ev) => {
          ev.preventDefault();
          document.getElementById(FIELD_IDS[e.field]!)?.focus();
        });
        return el("li", {}, [link]);
      }),
    ),
  );
  summary.hidden = false;
  summary.focus();
}

/** The form as Settings and its problems (marked on the page), for the connection it is set to. */
function readAndCheck(): { settings: Settings; errors: FieldError[] } {
  const via = chosenConnection();
  const settings = readForm(via);
  const errors = validateSettings(settings, via);
  showErrors(errors);
  return { settings, errors };
}

/** Sends a typed secret to the keyring and wipes it from the page, whatever the outcome. */
async function saveSecret(): Promise<boolean> {
  const field = input("s-secret");
  const secret = field.value;
  field.value = "";
  if (secret === "") return true;
  try {
    await command("set_secret", { secret });
    hasSecret = true;
    showSecretState();
    return true;
  } catch (e) {
    say(`${errorText(e)} ${t("settings.secretNotSaved")}`, "error");
    return false;
  }
}

/** Sends a typed API token to the keyring and wipes it from the page, whatever the outcome. */
async function saveApiToken(): Promise<boolean> {
  const field = input("s-api-token");
  const token = field.value;
  field.value = "";
  if (token === "") return true;
  try {
    await command("set_api_token", { token });
    hasApiToken = true;
    showApiTokenState();
    return true;
  } catch (e) {
    say(`${errorText(e)} ${t("settings.tokenNotSaved")}`, "error");
    return false;
  }
}

async function testApi(): Promise<void> {
  const result = byId("api-test-result");
  const { settings, errors } = readAndCheck();
  if (errors.length > 0) {
    result.textContent = t("settings.fixBeforeTesting");
    result.dataset.kind = "error";
    return;
  }
  result.textContent = t("settings.askingApi");
  result.dataset.kind = "ok";
  try {
    const r = await command("test_api_connection", { settings: { ...settings, hasSecret, hasApiToken } });
    result.textContent = r.message;
    result.dataset.kind = r.ok ? "ok" : "error";
  } catch (e) {
    result.textContent = errorText(e);
    result.dataset.kind = "error";
  }
}

async function save(): Promise<void> {
  const { settings, errors } = readAndCheck();
  if (errors.length > 0) {
    say(t("settings.notSaved"), "error");
    return;
  }
  try {
    await command("save_settings", { settings: { ...settings, hasSecret, hasApiToken } });
  } catch (e) {
    say(errorText(e), "error");
    return;
  }
  savedLogin = pbxLogin(settings);
  officeSaved(settings);
  // After the settings: the keyring entries are named after the saved user, host and API address.
  if (!(await saveSecret())) return;
  if (!(await saveApiToken())) return;
  if (!(await saveDirectoryPasswords(form))) return;
  if (!(await saveBrokerPassword(form))) return;
  say(t("settings.saved"), "ok");
}

async function testConnection(): Promise<void> {
  const { settings, errors } = readAndCheck();
  const steps = byId("test-steps");
  steps.replaceChildren();
  if (errors.length > 0) {
    say(t("settings.fixBeforeTesting"), "error");
    return;
  }
  if (!(await saveSecret())) return;
  say(t("settings.testing"), "ok");
  try {
    const report = await command("test_connection", { settings: { ...settings, hasSecret } });
    steps.replaceChildren(
      ...report.steps.map((s) =>
        el("li", { class: s.ok ? "step-ok" : "step-fail", testid: "test-step", attrs: { "data-ok": String(s.ok) } }, [
          el("strong", { text: s.name }),
          `: ${s.message}`,
        ]),
      ),
    );
    const allOk = report.steps.length > 0 && report.steps.every((s) => s.ok);
    say(allOk ? t("settings.testOk") : t("settings.testFailed"), allOk ? "ok" : "error");
  } catch (e) {
    say(errorText(e), "error");
  }
}

/** What the directory sections borrow from the form as a whole. */
const form: SettingsForm = {
  readChecked() {
    const { settings, errors } = readAndCheck();
    return errors.length === 0 ? settings : null;
  },
  say,
};

export async function startSettings(): Promise<void> {
  const profile = byId<HTMLSelectElement>("s-profile");
  for (const p of PROFILES) profile.append(el("option", { text: p.label, attrs: { value: p.id } }));
  const chosenProfile = () => PROFILES.find((p) => p.id === profile.value);
  profile.addEventListener("change", () => {
    const chosen = chosenProfile();
    if (chosen) input("s-port").value = String(defaultPort(chosen, input("s-tls").checked));
  });
  // Turning TLS on or off moves a default port along with it; a port the user typed stays.
  input("s-tls").addEventListener("change", () => {
    const chosen = chosenProfile();
    const tls = input("s-tls").checked;
    if (chosen && input("s-port").value === String(defaultPort(chosen, !tls))) {
      input("s-port").value = String(defaultPort(chosen, tls));
    }
  });
  byId<HTMLFormElement>("settings-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void save();
  });
  byId("settings-test").addEventListener("click", () => void testConnection());
  byId("s-api-test").addEventListener("click", () => void testApi());
  byId("s-api-token-save").addEventListener("click", async () => {
    const typed = input("s-api-token").value !== "";
    if (!typed) say(t("settings.typeTokenFirst"), "error");
    else if (await saveApiToken()) say(t("settings.tokenSaved"), "ok");
  });
  byId("s-secret-save").addEventListener("click", async () => {
    const typed = input("s-secret").value !== "";
    if (typed && (await saveSecret())) say(t("settings.amiSecretSaved"), "ok");
    else if (!typed) say(t("settings.typeSecretFirst"), "error");
  });
  startDirectorySections(form);
  startOfficeSection(form);
  try {
    fillForm(await command("get_settings"));
  } catch (e) {
    say(errorText(e), "error");
  }
}
