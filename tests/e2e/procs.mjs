// What the app's measurements share (tests/e2e/measure.mjs, bench/app-soak.mjs):
// child processes with their output logged and kept as lines, a free port,
// the simulated PBX started on one, and the memory of the app's process
// tree read from /proc (RSS from `ps`, PSS and anonymous memory from
// /proc/PID/smaps_rollup).
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { waitFor } from "./webdriver.mjs";

/** Child processes whose stdout and stderr go to `<logDir>/<name>.log` and, line by line, to `child.lines`. */
export class Processes {
  constructor(logDir) {
    this.logDir = logDir;
    this.children = [];
  }

  /** `stdin: true` keeps the child's standard input open as `child.stdin`. */
  start(name, cmd, args, env, { stdin = false } = {}) {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
    const out = createWriteStream(join(this.logDir, `${name}.log`));
    child.lines = [];
    for (const stream of [child.stdout, child.stderr]) {
      let buf = "";
      stream.on("data", (d) => {
        out.write(d);
        buf += d.toString();
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          child.lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    this.children.push(child);
    return child;
  }

  /**
   * `ringside-pbxsim` on a free local port with AMI user `ringside` and
   * `secret`, plus `extra` flags; resolves once it prints its address.
   */
  async pbxsim(bin, name, secret, extra, opts) {
    const pbx = this.start(name, bin, ["--listen", "127.0.0.1:0", "--user", "ringside", ...extra], { RINGSIDE_PBXSIM_SECRET: secret }, opts);
    const m = await waitFor("pbxsim listening", 20_000, async () => pbx.lines.map((l) => /^listening on (\S+)/.exec(l)).find(Boolean));
    return { pbx, addr: m[1] };
  }

  killAll() {
    for (const c of this.children) c.kill();
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
    srv.on("error", rej);
  });
}

export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

/** A field of /proc/PID/smaps_rollup in kB, or 0. */
export function rollup(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? +m[1] : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in kB (shared pages split between their users), or 0. */
export const pss = (pid) => rollup(pid, "Pss");

function psRows() {
  return execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([p, pp, rss, ...comm]) => ({ pid: +p, ppid: +pp, rss: +rss, comm: comm.join(" ") }));
}

/**
 * `pid` and every process under it, parents first, each with RSS, PSS,
 * USS and anonymous memory (heap, JS, caches, as against mapped libraries)
 * in kB.
 */
export function processTree(pid) {
  const rows = psRows();
  const tree = [];
  const walk = (p) => {
    for (const r of rows.filter((r) => r.ppid === p)) {
      tree.push(r);
      walk(r.pid);
    }
  };
  const self = rows.find((r) => r.pid === pid);
  if (!self) return [];
  tree.push(self);
  walk(pid);
  return tree.map((r) => ({
    ...r,
    pss: pss(r.pid),
    anon: rollup(r.pid, "Anonymous"),
    // Unique set size: pages no other process maps.
    uss: rollup(r.pid, "Private_Clean") + rollup(r.pid, "Private_Dirty"),
  }));
}

/** RSS (and PSS) in kB of `pid` and of every process under it. */
export function treeRss(pid) {
  const [self, ...tree] = processTree(pid);
  return {
    self: self?.rss ?? 0,
    tree: (self?.rss ?? 0) + tree.reduce((a, r) => a + r.rss, 0),
    selfPss: self?.pss ?? 0,
    treePss: (self?.pss ?? 0) + tree.reduce((a, r) => a + r.pss, 0),
    selfAnon: self?.anon ?? 0,
    children: tree.map((r) => `${r.comm}:rss=${r.rss},pss=${r.pss},anon=${r.anon}`),
  };
}

/** WebKit processes on the machine outside `pid`'s tree: they share libraries with it, so its PSS drops while they run. */
export function otherWebKit(pid) {
  const mine = new Set(processTree(pid).map((r) => r.pid));
  // `comm` is cut at 15 characters; WebKitWebDriver maps none of WebKit's libraries.
  const webkit = (comm) => comm.startsWith("WebKitWebProces") || comm.startsWith("WebKitNetworkPr");
  return psRows().filter((r) => webkit(r.comm) && !mine.has(r.pid)).length;
}

/** The `ringside-app` process somewhere under `pid` (tauri-driver's child's child). */
export function findAppUnder(pid) {
  const rows = psRows();
  const under = (p) => rows.filter((r) => r.ppid === p).flatMap((r) => [r, ...under(r.pid)]);
  return under(pid).find((r) => r.comm.startsWith("ringside-app"))?.pid;
}
