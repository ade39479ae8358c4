// The message catalogs and the source, checked without a browser:
// every key in every language, the same placeholders as English, plural
// cases the language has, every key used, and no user-facing English left
// outside the catalog in src/ or in the two pages.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, TYPE } from "@formatjs/icu-messageformat-parser";
import { uiDir } from "./support.mjs";
import { findHtmlLiterals, findLiterals } from "./i18n-scan.mjs";

const localesDir = join(uiDir, "src", "locales");
const LANGUAGES = ["en", "de", "fr", "es", "it", "pt-BR", "tr", "zh-CN"];

async function catalog(lang) {
  return JSON.parse(await readFile(join(localesDir, `${lang}.json`), "utf8"));
}

/** The argument names a message uses, and for each plural argument the cases it gives. */
function shape(message) {
  const args = new Set();
  const plurals = [];
  const visit = (elements) => {
    for (const el of elements) {
      if ([TYPE.argument, TYPE.number, TYPE.date, TYPE.time, TYPE.select, TYPE.plural].includes(el.type)) args.add(el.value);
      if (el.type === TYPE.plural) plurals.push({ arg: el.value, cases: Object.keys(el.options) });
      if (el.type === TYPE.select || el.type === TYPE.plural) for (const o of Object.values(el.options)) visit(o.value);
      if (el.type === TYPE.tag) visit(el.children);
    }
  };
  visit(parse(message));
  return { args: [...args].sort(), plurals };
}

/**
 * The plural cases a language must give: its own categories (Intl.PluralRules),
 * less `many`, which French, Spanish, Italian and Portuguese use only for
 * millions ("1 000 000 d'appels"), where `other` reads right.
 */
function requiredCases(lang) {
  return new Intl.PluralRules(lang).resolvedOptions().pluralCategories.filter((c) => c !== "many");
}

async function sourceFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "bindings" && entry.name !== "locales") out.push(...(await sourceFiles(path)));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

test("every language has every English key and no other", async () => {
  const en = await catalog("en");
  for (const lang of LANGUAGES.slice(1)) {
    const other = await catalog(lang);
    const missing = Object.keys(en).filter((k) => !(k in other));
    const extra = Object.keys(other).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${lang}.json lacks these keys; without them the UI falls back to English`);
    assert.deepEqual(extra, [], `${lang}.json has keys English does not: renamed or removed in en.json`);
  }
});

test("every message parses and has exactly English's placeholders, with its language's plural cases", async () => {
  const en = await catalog("en");
  const problems = [];
  for (const lang of LANGUAGES) {
    const messages = await catalog(lang);
    const valid = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [key, source] of Object.entries(en)) {
      if (!(key in messages)) continue; // reported by the key test
      let mine;
      try {
        mine = shape(messages[key]);
      } catch (e) {
        problems.push(`${lang} ${key}: does not parse (${e.message})`);
        continue;
      }
      const want = shape(source).args;
      if (JSON.stringify(mine.args) !== JSON.stringify(want)) {
        problems.push(`${lang} ${key}: placeholders ${mine.args.join(",") || "none"}, English has ${want.join(",") || "none"}`);
      }
      for (const p of mine.plurals) {
        const named = p.cases.filter((c) => !c.startsWith("="));
        const wrong = named.filter((c) => !valid.includes(c));
        const lacking = requiredCases(lang).filter((c) => !named.includes(c));
        if (wrong.length) problems.push(`${lang} ${key}: {${p.arg}} has cases ${wrong.join(",")} that ${lang} does not use`);
        if (lacking.length) problems.push(`${lang} ${key}: {${p.arg}} lacks ${lang}'s cases ${lacking.join(",")}`);
      }
    }
  }
  assert.deepEqual(problems, [], "each translation must fill in the same values as English and inflect by its own plural rules");
});

test("every key is used by the source, a page or the shell, and every key a page names exists", async () => {
  const en = await catalog("en");
  // The shell's words (tray, notifications) are listed in src-tauri/src/lang.rs.
  const shell = join(uiDir, "..", "src-tauri", "src", "lang.rs");
  const files = [...(await sourceFiles(join(uiDir, "src"))), join(uiDir, "index.html"), join(uiDir, "popup.html"), shell];
  const text = (await Promise.all(files.map((f) => readFile(f, "utf8")))).join("\n");
  const unused = Object.keys(en).filter((k) => !text.includes(`"${k}"`));
  assert.deepEqual(unused, [], "keys nothing refers to: remove them from every catalog");
  for (const page of ["index.html", "popup.html"]) {
    const html = await readFile(join(uiDir, page), "utf8");
    for (const m of html.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) {
      assert.ok(m[1] in en, `${page} names ${m[1]}, which en.json lacks`);
    }
    // The page's own text is what shows before the script runs: it must be the catalog's English.
    for (const m of html.matchAll(/<([a-z0-9]+)[^<>]*\sdata-i18n="([^"]+)"[^<>]*>([^<>]*)</g)) {
      assert.equal(m[3].replace(/\s+/g, " ").trim(), en[m[2]], `${page}: the text of ${m[2]} differs from en.json`);
    }
  }
});

test("no user-facing English literal is left in src/ or the pages", async () => {
  const hits = [];
  for (const file of await sourceFiles(join(uiDir, "src"))) {
    hits.push(...(await findLiterals(await readFile(file, "utf8"), file.slice(uiDir.length + 1))));
  }
  for (const page of ["index.html", "popup.html"]) hits.push(...findHtmlLiterals(await readFile(join(uiDir, page), "utf8"), page));
  assert.deepEqual(
    hits.map((h) => `${h.file}:${h.line ?? ""} ${JSON.stringify(h.text)}`),
    [],
    "put these in src/locales/en.json and show them with t() (static text: data-i18n)",
  );
});

test("the literal scan finds planted English and lets codes, class names and t() through", async () => {
  const planted = {
    "node.textContent = \"Call ended\";": "Call ended",
    "el(\"p\", { text: `Waiting for ${name}` });": "Waiting for ",
    "button.setAttribute(\"aria-label\", \"Close\");": "Close",
    "say(\"Saved.\", \"ok\");": "Saved.",
    "row.append(\"Wants to hand over \", who);": "Wants to hand over ",
    "el(\"li\", {}, [\"paused\", reason]);": "paused",
    "const WORDS = { answered: \"Answered elsewhere\" };": "Answered elsewhere",
    "input.placeholder = ok ? \"Name\" : \"Number\";": "Name",
  };
  for (const [source, text] of Object.entries(planted)) {
    const hits = await findLiterals(source);
    assert.ok(hits.some((h) => h.text === text), `the scan missed ${JSON.stringify(text)} in: ${source}`);
  }
  const clean = [
    "node.textContent = t(\"popup.callEnded\");",
    "el(\"p\", { class: \"card-status\", testid: \"card-status\", text: t(\"popup.ringing\", { n: \"Hi there\" }) });",
    "say(t(\"settings.saved\"), \"ok\");",
    "this.setStatus(text, \"answered-elsewhere\");",
    "offerButton(t(\"popup.park\"), \"action-park\", go);",
    "throw new Error(`Missing element in the page`);",
    "el(\"option\", { text: p.label });",
    "const p = { label: \"Yeastar MyPBX\" };",
    "row.append(\" · \", \"✕\");",
  ];
  for (const source of clean) assert.deepEqual(await findLiterals(source), [], `a false alarm on: ${source}`);
  assert.deepEqual(findHtmlLiterals('<p data-i18n="x">Hello there</p><h2>Queues</h2>').map((h) => h.text), ["Queues"]);
  assert.deepEqual(findHtmlLiterals('<input placeholder="Number or name" />').map((h) => h.text), ["Number or name"]);
});
