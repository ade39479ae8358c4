// The UI's language: the message catalogs (src/locales/<lang>.json, ICU
// MessageFormat, English the source), which language is shown, `t()` and the
// locale-aware formatting of times, durations and numbers. Every user-facing
// string goes through here; nothing else picks a locale or formats a clock.
// It must not touch the IPC: the choice of language lives in this window's
// localStorage, not in the shell's Settings.

import { IntlMessageFormat } from "intl-messageformat";
import en from "./locales/en.json";
import type { ErrorCode } from "./bindings/ErrorCode";

/** Each language named in its own language, as the Settings switch lists them. */
export const LANGUAGES = {
  en: "English",
  de: "Deutsch",
  fr: "Français",
  es: "Español",
  it: "Italiano",
  "pt-BR": "Português (Brasil)",
  tr: "Türkçe",
  "zh-CN": "简体中文",
} as const;

export type Language = keyof typeof LANGUAGES;
export type MessageKey = keyof typeof en;
/** A message's arguments: ICU `{name}` values. */
export type MessageArgs = Record<string, string | number>;

type Catalog = Partial<Record<MessageKey, string>>;

/**
 * The other languages' catalogs, each its own chunk: a window loads English
 * (the fallback) and the one language it shows, not all eight.
 */
const OTHER_CATALOGS = import.meta.glob<Catalog>(["./locales/*.json", "!./locales/en.json"], { import: "default" });

/** Where the Settings switch keeps her choice; absent means Automatic. */
export const LANGUAGE_STORAGE_KEY = "ringside.language";

function isLanguage(tag: string | null | undefined): tag is Language {
  return tag !== null && tag !== undefined && Object.hasOwn(LANGUAGES, tag);
}

/**
 * The language for a stored choice and the webview's preferred locales (the
 * OS locale): an exact match, then the same base language ("de-AT" → "de",
 * "pt-PT" → "pt-BR", "zh-TW" → "zh-CN"), else English.
 */
export function pickLanguage(choice: string | null, preferred: readonly string[]): Language {
  if (isLanguage(choice)) return choice;
  for (const tag of preferred) {
    if (isLanguage(tag)) return tag;
    const base = tag.toLowerCase().split(/[-_]/)[0];
    const match = (Object.keys(LANGUAGES) as Language[]).find((l) => l.toLowerCase().split("-")[0] === base);
    if (match) return match;
  }
  return "en";
}

function storedChoice(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled: Automatic
  }
}

function preferredLocales(): readonly string[] {
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

const current: Language = pickLanguage(storedChoice(), preferredLocales());
const formatLocale = localeFor(current);
const compiled = new Map<MessageKey, IntlMessageFormat>();

/** The shown language's catalog; a language whose chunk fails to load shows English. */
async function loadCatalog(lang: Language): Promise<Catalog> {
  const load = OTHER_CATALOGS[`./locales/${lang}.json`];
  if (lang === "en" || !load) return en;
  try {
    return await load();
  } catch {
    return en;
  }
}

// Top-level await: every module that imports t() runs after the catalog is in.
const catalog: Catalog = await loadCatalog(current);

/**
 * The locale dates and numbers use: the OS locale when it is a variant of
 * the chosen language ("en-GB" keeps day-month order), else the language.
 */
function localeFor(lang: Language): string {
  const os = preferredLocales()[0];
  if (os && os.toLowerCase().split(/[-_]/)[0] === lang.toLowerCase().split("-")[0]) return os;
  return lang;
}

export function currentLanguage(): Language {
  return current;
}

/** "auto" or the language she chose in Settings. */
export function languageChoice(): Language | "auto" {
  const choice = storedChoice();
  return isLanguage(choice) ? choice : "auto";
}

/**
 * Stores her choice ("auto" forgets it). It applies when the window loads
 * next: the caller reloads it (the text already on screen was built in the
 * old language).
 */
export function setLanguageChoice(choice: Language | "auto"): void {
  try {
    if (choice === "auto") localStorage.removeItem(LANGUAGE_STORAGE_KEY);
    else localStorage.setItem(LANGUAGE_STORAGE_KEY, choice);
  } catch {
    // Storage disabled: nothing to keep; the window stays in its language.
  }
}

/** The message `key` in the current language (English when a catalog lacks it), filled with `args`. */
export function t(key: MessageKey, args?: MessageArgs): string {
  let format = compiled.get(key);
  if (!format) {
    format = new IntlMessageFormat(catalog[key] ?? en[key], current);
    compiled.set(key, format);
  }
  return String(format.format(args));
}

/**
 * Fills the page's static text: `data-i18n` sets the text, and
 * `data-i18n-placeholder`, `data-i18n-aria-label`, `data-i18n-title` set
 * those attributes. Also sets `<html lang>` so hyphenation and CJK line
 * breaking follow the language.
 */
export function translatePage(root: ParentNode = document): void {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n as MessageKey);
  }
  for (const attr of ["placeholder", "aria-label", "title"] as const) {
    for (const node of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`)) {
      node.setAttribute(attr, t(node.getAttribute(`data-i18n-${attr}`) as MessageKey));
    }
  }
}

// Made once: the language is fixed for the life of the page.
const timeFormat = new Intl.DateTimeFormat(formatLocale, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(formatLocale, { day: "numeric", month: "short" });

/** "14:05" today, "3 Nov 14:05" (in her locale's order and words) otherwise. */
export function formatWhen(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? timeFormat.format(d) : t("time.dayAndTime", { day: dayFormat.format(d), time: timeFormat.format(d) });
}

/**
 * The digits of a clock in her locale. All eight languages write Latin
 * digits, where padding the number is the same thing and costs nothing: the
 * queue panel writes hundreds of clocks a second. A locale with other digits
 * goes through Intl.NumberFormat.
 */
const clockDigits: (n: number, width: 1 | 2) => string = (() => {
  const one = new Intl.NumberFormat(formatLocale, { useGrouping: false });
  const two = new Intl.NumberFormat(formatLocale, { minimumIntegerDigits: 2, useGrouping: false });
  if (one.resolvedOptions().numberingSystem === "latn") return (n, width) => String(n).padStart(width, "0");
  return (n, width) => (width === 2 ? two : one).format(n);
})();

/**
 * A length of time as a clock reading, "0:42", "12:05", "1:02:03": the same
 * in all eight languages, digits from her locale.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = clockDigits(total % 60, 2);
  return h > 0 ? `${clockDigits(h, 1)}:${clockDigits(m, 2)}:${s}` : `${clockDigits(m, 1)}:${s}`;
}

/** The catalog's sentence for an IPC error code. */
const ERROR_KEYS: Record<ErrorCode, MessageKey> = {
  invalid_number: "error.invalid_number",
  invalid_input: "error.invalid_input",
  not_connected: "error.not_connected",
  auth_failed: "error.auth_failed",
  pbx_refused: "error.pbx_refused",
  timeout: "error.timeout",
  store_unavailable: "error.store_unavailable",
  invalid_setting: "error.invalid_setting",
  keyring_unavailable: "error.keyring_unavailable",
  unknown_call: "error.unknown_call",
  io: "error.io",
  not_found: "error.not_found",
};

/**
 * What to show for an error the shell sent: in English its own sentence,
 * which names the host, user or field; in another language the code's
 * translated sentence, with the shell's English sentence after it as detail.
 */
export function errorSentence(code: ErrorCode | undefined, shellMessage: string): string {
  if (current === "en" || code === undefined || !Object.hasOwn(ERROR_KEYS, code)) return shellMessage;
  return t("error.withDetail", { summary: t(ERROR_KEYS[code]), detail: shellMessage });
}

/**
 * `t()` for a message with an optional part: `{hasX, select, yes {… {x}} other {}}`
 * gets `x` and `hasX` ("yes" when `value` is not empty), so a translator
 * places the optional words, and an empty value is never shown as "()".
 */
export function flagged(key: MessageKey, args: MessageArgs, name: string, value: string): string {
  const flag = `has${name[0].toUpperCase()}${name.slice(1)}`;
  return t(key, { ...args, [name]: value, [flag]: value === "" ? "no" : "yes" });
}

/**
 * A message around an element that is not text (a caller's name in its own
 * bidi isolate): the words before and after `{name}`, so the translation
 * decides where the element goes ("Wants to hand over {name}" / "{name} möchte übergeben").
 */
export function textAround(key: MessageKey, name: string, args: MessageArgs = {}): [string, string] {
  const mark = "\u0000";
  const [before, after = ""] = t(key, { ...args, [name]: mark }).split(mark);
  return [before, after];
}
