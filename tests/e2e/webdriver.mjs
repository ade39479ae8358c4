// A minimal W3C WebDriver client over fetch (Node 20+), enough to drive the
// real Ringside app through tauri-driver + WebKitWebDriver: sessions,
// window handles, elements, clicks, typing, scripts.

export class WebDriverError extends Error {}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities, timeoutMs = 60_000) {
    const res = await call(base, "POST", "/session", { capabilities }, timeoutMs);
    return new Session(base, res.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    try {
      await call(this.base, "DELETE", `/session/${this.id}`);
    } catch {
      // The app may already be gone.
    }
  }

  handles() {
    return this.cmd("GET", "/window/handles");
  }

  switchTo(handle) {
    return this.cmd("POST", "/window", { handle });
  }

  exec(script, ...args) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** Runs `script` as an async WebDriver script: it calls its last argument with the result. */
  execAsync(script, ...args) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  async find(css) {
    const el = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return Object.values(el)[0];
  }

  async click(css) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/click`, {});
  }

  async type(css, text) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/clear`, {}).catch(() => {});
    await this.cmd("POST", `/element/${id}/value`, { text });
  }

  /** Page text as the user reads it. */
  bodyText() {
    return this.exec("return document.body ? document.body.innerText : '';");
  }

  /** Switches to the window whose document path ends with `page` (e.g. "popup.html"). */
  async switchToPage(page, timeoutMs = 20_000) {
    return waitFor(`a window showing ${page}`, timeoutMs, async () => {
      for (const h of await this.handles()) {
        await this.switchTo(h);
        const path = await this.exec("return location.pathname;").catch(() => "");
        if (String(path).endsWith(page) || (page === "index.html" && (path === "/" || path === ""))) return h;
      }
      return null;
    });
  }
}

async function call(base, method, path, body, timeoutMs = 30_000) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value || {};
    throw new WebDriverError(`${method} ${path}: ${v.error || res.status}: ${v.message || text.slice(0, 300)}`);
  }
  return json.value;
}

/** Polls `probe` until it returns something truthy; fails naming `what`. */
export async function waitFor(what, timeoutMs, probe, everyMs = 200) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
}

export async function waitForDriver(base, timeoutMs = 20_000) {
  await waitFor("tauri-driver /status", timeoutMs, async () => {
    const res = await fetch(base + "/status", { signal: AbortSignal.timeout(2000) });
    return res.ok;
  });
}
