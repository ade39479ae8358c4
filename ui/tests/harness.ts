// Test-only stand-in for the Tauri shell, injected by the test runner with
// `page.addInitScript` before the app's own scripts run. It is never part of
// the app build. It installs @tauri-apps/api/mocks (events included), records
// every command the page invokes, answers from canned responses or handlers
// the test sets, and lets the test emit shell events.

import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";

interface RecordedCall {
  cmd: string;
  args: unknown;
}

interface Harness {
  calls: RecordedCall[];
  /** Canned answer per command; `{ __error: { code, message } }` rejects with that IpcError. */
  responses: Record<string, unknown>;
  /** Computed answer per command, preferred over `responses`. */
  handlers: Record<string, (args: any) => unknown>;
  cspViolations: string[];
  emit(event: string, payload: unknown): Promise<unknown>;
}

declare global {
  interface Window {
    __ringside: Harness;
    __RINGSIDE_MOCK_RESPONSES__?: Record<string, unknown>;
  }
}

const harness: Harness = {
  calls: [],
  responses: { ...(window.__RINGSIDE_MOCK_RESPONSES__ ?? {}) },
  handlers: {},
  cspViolations: [],
  emit(event, payload) {
    return (window as any).__TAURI_INTERNALS__.invoke("plugin:event|emit", { event, payload });
  },
};
window.__ringside = harness;

document.addEventListener("securitypolicyviolation", (e) => {
  harness.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || "inline"}`);
});

mockWindows(location.pathname.endsWith("popup.html") ? "popup" : "main");
mockIPC(
  (cmd, args) => {
    // A deep copy, so later changes by the page cannot alter what was sent.
    harness.calls.push({ cmd, args: args === undefined ? null : JSON.parse(JSON.stringify(args)) });
    const handler = harness.handlers[cmd];
    const answer = handler ? handler(args) : harness.responses[cmd];
    if (answer && typeof answer === "object" && "__error" in answer) throw (answer as { __error: unknown }).__error;
    if (!handler && !(cmd in harness.responses)) {
      throw { code: "not_mocked", message: `The test did not expect the command ${cmd}.` };
    }
    // A handler may answer later (a long import): its promise is passed on.
    if (answer instanceof Promise) return answer.then((v) => (v === undefined ? null : JSON.parse(JSON.stringify(v))));
    return answer === undefined ? null : JSON.parse(JSON.stringify(answer));
  },
  { shouldMockEvents: true },
);
