// The language switch at the top of Settings: Automatic (the OS locale the
// webview reports) or one of the eight languages, each named in its own
// language. The choice is this machine's, kept in localStorage by
// src/i18n.ts, not in the shell's Settings; a change reloads the window, and
// the popup window follows through the `storage` event.

import { byId, el } from "../dom";
import { LANGUAGES, languageChoice, pickLanguage, setLanguageChoice, t, type Language } from "../i18n";

export function startLanguageSwitch(): void {
  const select = byId<HTMLSelectElement>("s-language");
  const automatic = pickLanguage(null, navigator.languages?.length ? navigator.languages : [navigator.language]);
  select.append(el("option", { text: t("settings.languageAuto", { language: LANGUAGES[automatic] }), attrs: { value: "auto" } }));
  for (const [tag, name] of Object.entries(LANGUAGES)) {
    select.append(el("option", { text: name, attrs: { value: tag, lang: tag } }));
  }
  select.value = languageChoice();
  select.addEventListener("change", () => {
    setLanguageChoice(select.value as Language | "auto");
    location.reload();
  });
}
