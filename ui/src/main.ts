// The main window: connection status, the colleagues board with live calls,
// the parked calls and queues panels, the dialer, history, contacts and
// settings. Each part lives in src/main/
// and only renders and invokes; the shell owns every decision about calls.

import "./style.css";
import { currentLanguage, translatePage } from "./i18n";
import { command } from "./ipc";
import { setMyExtensions, startBoard } from "./main/board";
import { startConsole } from "./main/console";
import { startContacts } from "./main/contacts";
import { startDialer } from "./main/dialer";
import { startHistory } from "./main/history";
import { startPbxApi } from "./main/pbx-api";
import { startLanguageSwitch } from "./main/language";
import { startSettings } from "./main/settings";
import { startStatus } from "./main/status";

function startTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement) => {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")!)!.hidden = !selected;
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    // Arrow keys move between tabs, as in every other tab list.
    tab.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (step === 0) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
}

async function start(): Promise<void> {
  translatePage();
  // The tray and the notifications speak the language this window shows.
  command("set_shown_language", { language: currentLanguage() }).catch(() => {});
  startLanguageSwitch();
  startTabs();
  // Each part reports its own failures in place; one failing must not blank the others.
  await Promise.allSettled([
    startDialer(),
    startStatus().then(setMyExtensions),
    startBoard(),
    startConsole(),
    startHistory(),
    startContacts(),
    startSettings(),
    startPbxApi(),
  ]);
  document.body.dataset.ready = "true";
}

void start();
