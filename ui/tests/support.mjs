// Shared set-up for the UI tests: serves the built ui/dist on 127.0.0.1:0
// under the app's CSP, drives Debian's Chromium with playwright-core, and
// loads each page with tests/harness.ts (the mocked Tauri shell) injected.

import { createServer } from "node:http";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
export const uiDir = resolve(here, "..");
export const repoRoot = resolve(uiDir, "..");
export const distDir = join(uiDir, "dist");
export const screenshotDir = join(repoRoot, "artifacts", "screenshots");

/** The CSP of src-tauri/tauri.conf.json, so a page that needs 'unsafe-inline' fails here too. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Serves ui/dist on a free loopback port; resolves to { url, close }. */
export async function serveDist() {
  await stat(join(distDir, "popup.html")).catch(() => {
    throw new Error("ui/dist is missing: run `npm run build` in ui/ (npm test does it).");
  });
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(distDir, path === "/" ? "index.html" : path));
    if (!file.startsWith(distDir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-security-policy": CSP,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}

let harnessCode;
/** tests/harness.ts bundled to one classic script, in memory. */
export async function harnessScript() {
  if (!harnessCode) {
    const out = await build({
      configFile: false,
      logLevel: "silent",
      root: uiDir,
      build: {
        write: false,
        minify: false,
        lib: { entry: join(uiDir, "tests", "harness.ts"), formats: ["iife"], name: "RingsideHarness", fileName: "harness" },
      },
    });
    const result = Array.isArray(out) ? out[0] : out;
    harnessCode = result.output[0].code;
  }
  return harnessCode;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: "/usr/lib/chromium/chromium",
    headless: true,
    // playwright-core gives every launch a fresh temporary user-data dir.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * Opens `path` of the served app with the mocked shell. `responses` are the
 * canned command answers. Returns the page and what it did that a test must
 * check: dialogs opened and uncaught errors. With `clock` (Unix ms) the
 * page's time is Playwright's fake clock, started at that time; time flows
 * until the test pauses it (`page.clock.pauseAt`). With `locale` ("de-DE") the
 * page's navigator.language is that locale, as the OS locale is in the app.
 */
export async function openApp(browser, baseUrl, path, responses, viewport = { width: 420, height: 720 }, { clock, locale } = {}) {
  const context = await browser.newContext({ viewport, ...(locale ? { locale } : {}) });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  const page = await context.newPage();
  const dialogs = [];
  const pageErrors = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.addInitScript((r) => {
    window.__RINGSIDE_MOCK_RESPONSES__ = r;
  }, responses);
  await page.addInitScript({ content: await harnessScript() });
  if (clock !== undefined) await page.clock.install({ time: clock });
  await page.goto(`${baseUrl}/${path}`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
  return { page, context, dialogs, pageErrors };
}

/** Every recorded invocation of `cmd`, args as sent. */
export function invocations(page, cmd) {
  return page.evaluate((c) => window.__ringside.calls.filter((x) => x.cmd === c).map((x) => x.args), cmd);
}

export function emit(page, event, payload) {
  return page.evaluate(([e, p]) => window.__ringside.emit(e, p), [event, payload]);
}

export function cspViolations(page) {
  return page.evaluate(() => window.__ringside.cspViolations);
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Elements wider than the page: a word that would not wrap pushes its box out. */
export function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && el.checkVisibility() && (r.right > width + 1 || el.scrollWidth > el.clientWidth + 1) && getComputedStyle(el).overflowX === "visible";
    });
    return {
      page: document.documentElement.scrollWidth > width,
      elements: wide.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.slice(0, 40)}"`),
    };
  });
}

/** The ground truth of a capture in tests/fixtures/ami/. */
export async function fixture(name) {
  return JSON.parse(await readFile(join(repoRoot, "tests", "fixtures", "ami", `${name}.json`), "utf8"));
}

/** The `popup` CardChanges the tracker emits for a fixture's ground-truth popups. */
export function popupChanges(call, truth) {
  return truth.popups.map((p) => ({
    type: "popup",
    call,
    extension: p.extension,
    caller_num: p.caller_num,
    caller_name: p.caller_name,
    direction: p.direction,
    trunk: p.trunk ?? null,
    did: null,
    queue: null,
    transferred_by: null,
    consultation: p.consultation === true,
    consulting_for: null,
    park_return: p.park_return === true,
    park_slot: null,
    parked_by: null,
    at_ms: 1_795_444_700_000,
  }));
}

/** A `CallCard` as the tracker sends it inside an `update`, for a fixture popup. */
export function liveCard(popup, fields) {
  return {
    call: popup.call,
    caller_num: popup.caller_num,
    caller_name: popup.caller_name,
    direction: popup.direction,
    trunk: popup.trunk ?? null,
    did: null,
    queue: null,
    dialed: null,
    from_extension: null,
    ringing: [],
    rang: [],
    state: "ringing",
    answered_by: null,
    answered_by_trunk: null,
    answered_at_ms: null,
    transfers: [],
    started_at_ms: 1_795_444_700_000,
    connected_to: null,
    picked_up_by: null,
    parked: null,
    consulting: null,
    ...fields,
  };
}

/** Commands each window invoked over a test file, to check against its capability. */
const invokedByWindow = new Map();

export async function recordCommands(app, windowLabel) {
  const cmds = await app.page.evaluate(() => window.__ringside.calls.map((c) => c.cmd));
  const seen = invokedByWindow.get(windowLabel) ?? new Set();
  for (const c of cmds) seen.add(c);
  invokedByWindow.set(windowLabel, seen);
}

export function commandsInvoked(windowLabel) {
  return [...(invokedByWindow.get(windowLabel) ?? [])].sort();
}

/**
 * The commands src-tauri grants a window: the `<label>-window-commands` set
 * of src-tauri/permissions/windows.toml, `allow-get-status` read as `get_status`.
 */
export async function commandsGranted(windowLabel) {
  const toml = await readFile(join(repoRoot, "src-tauri", "permissions", "windows.toml"), "utf8");
  const blocks = toml.split("[[set]]").slice(1);
  const block = blocks.find((b) => b.includes(`identifier = "${windowLabel}-window-commands"`));
  if (!block) throw new Error(`no ${windowLabel}-window-commands set in src-tauri/permissions/windows.toml`);
  const list = block.slice(block.indexOf("permissions"));
  return [...list.matchAll(/"allow-([a-z-]+)"/g)].map((m) => m[1].replaceAll("-", "_")).sort();
}

