// Finds user-facing English left in the UI's source: a string literal (or a
// template literal's text) with words in it that reaches the page without
// going through t(). "Reaches the page" means one of the sinks below; a
// class name, a test id, a command name or an event name is not one, so the
// scan can be strict about the sinks and stay free of false positives.
// esbuild (types stripped) and rollup's parser (the tree) are Vite's own
// dependencies, so the scan adds no package of its own.

import { readFile } from "node:fs/promises";
import { transform } from "esbuild";
import { parseAst } from "rollup/parseAst";

/** Properties whose value is shown or read out: `node.textContent = …`, `{ text: … }`. */
const TEXT_PROPERTIES = new Set(["textContent", "innerText", "innerHTML", "title", "placeholder", "text", "label", "message", "aria-label", "alt"]);
/** Attributes set with setAttribute that are shown or read out. */
const TEXT_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "aria-description"]);
/** DOM calls whose string arguments all become text on the page. */
const DOM_TEXT_CALLS = new Set(["append", "prepend", "replaceChildren", "createTextNode", "alert", "confirm", "prompt"]);
/**
 * The UI's own helpers that write a message to the page. Their other string
 * arguments are codes (a message kind "ok", a test id "action-park", a state
 * "ringing"): a lowercase token with no space is taken for a code there.
 */
const HELPER_TEXT_CALLS = new Set([
  "say", "sayIn", "sayOnBoard", "setStatus", "closeWith", "offerButton", "action", "button",
  "setText", "textBackButton",
]);
const CODE_TOKEN = /^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/;
/** Names of products and brands, never translated. */
export const PROPER_NAMES = new Set(["Ringside", "Yeastar S-Series", "Yeastar MyPBX", "Grandstream UCM", "FreePBX / Elastix", "OpenVox"]);

/** Text with a word in it: two letters in a row (ASCII or not), and not a proper name. */
function isWords(text) {
  return /\p{L}{2,}/u.test(text) && !PROPER_NAMES.has(text.trim());
}

/** The literal text in an expression that would be shown as is, or [] when it all goes through t(). */
function literalTexts(node) {
  if (!node) return [];
  switch (node.type) {
    case "Literal":
      return typeof node.value === "string" && isWords(node.value) ? [node.value] : [];
    case "TemplateLiteral": {
      const text = node.quasis.map((q) => q.value.cooked ?? "").join("");
      return [...(isWords(text) ? [text] : []), ...node.expressions.flatMap(literalTexts)];
    }
    case "ConditionalExpression":
      return [...literalTexts(node.consequent), ...literalTexts(node.alternate)];
    case "LogicalExpression":
      return [...literalTexts(node.left), ...literalTexts(node.right)];
    case "BinaryExpression":
      return node.operator === "+" ? [...literalTexts(node.left), ...literalTexts(node.right)] : [];
    case "ArrayExpression":
      return node.elements.flatMap((e) => literalTexts(e?.type === "SpreadElement" ? e.argument : e));
    case "SpreadElement":
      return literalTexts(node.argument);
    default:
      return [];
  }
}

function propertyName(node) {
  if (!node) return null;
  if (node.type === "Identifier") return node.name;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  return null;
}

function calleeName(callee) {
  if (callee.type === "Identifier") return callee.name;
  if (callee.type === "MemberExpression" && !callee.computed) return callee.property.name;
  return null;
}

/** The strings in one node that reach the page. */
function sinkTexts(node) {
  if (node.type === "AssignmentExpression" && node.left.type === "MemberExpression") {
    const name = node.left.computed ? propertyName(node.left.property) : node.left.property.name;
    if (TEXT_PROPERTIES.has(name)) return literalTexts(node.right);
  }
  if (node.type === "Property" && TEXT_PROPERTIES.has(propertyName(node.key))) return literalTexts(node.value);
  if (node.type === "CallExpression") {
    const name = calleeName(node.callee);
    if (name === "setAttribute" && TEXT_ATTRIBUTES.has(node.arguments[0]?.value)) return literalTexts(node.arguments[1]);
    if (name === "el") return literalTexts(node.arguments[2]); // children of el(tag, opts, children)
    if (DOM_TEXT_CALLS.has(name)) return node.arguments.flatMap(literalTexts);
    if (HELPER_TEXT_CALLS.has(name)) return node.arguments.flatMap(literalTexts).filter((text) => !CODE_TOKEN.test(text));
  }
  if (node.type === "NewExpression" && calleeName(node.callee) === "Option") return literalTexts(node.arguments[0]);
  return [];
}

/**
 * A sentence anywhere ("Answered elsewhere", "Call ended."): a capital, then
 * at least two words. Catches English kept in a lookup table of its own,
 * whatever sink it reaches later.
 */
const SENTENCE = /^\s*\p{Lu}\p{Ll}+(\s+[\p{L}'’]+)+/u;

function sentenceTexts(node) {
  if (node.type === "Literal" && typeof node.value === "string" && SENTENCE.test(node.value) && isWords(node.value)) return [node.value];
  if (node.type === "TemplateLiteral") {
    const text = node.quasis.map((q) => q.value.cooked ?? "").join("");
    if (SENTENCE.test(text)) return [text];
  }
  return [];
}

/** Messages for developers, not for her: an Error's text and console output. */
function isDeveloperText(node) {
  if (node.type === "NewExpression" && /Error$/.test(calleeName(node.callee) ?? "")) return true;
  return node.type === "CallExpression" && node.callee.type === "MemberExpression" && node.callee.object.name === "console";
}

/** Walks the tree; a t()/flagged() call is the way through and is not looked into. */
function walk(node, found) {
  if (!node || typeof node.type !== "string") return;
  if (node.type === "CallExpression" && ["t", "flagged"].includes(calleeName(node.callee))) return;
  if (isDeveloperText(node) || node.type === "ImportDeclaration" || node.type === "ExportAllDeclaration") return;
  const texts = sinkTexts(node);
  for (const text of texts) found.push(text);
  for (const text of sentenceTexts(node)) if (!texts.includes(text)) found.push(text);
  for (const [key, value] of Object.entries(node)) {
    if (key === "type" || key === "start" || key === "end") continue;
    if (Array.isArray(value)) for (const child of value) walk(child, found);
    else if (value && typeof value === "object") walk(value, found);
  }
}

/** User-facing English in one TypeScript source: each hit with its line in the source. */
export async function findLiterals(source, fileName = "source.ts") {
  const { code } = await transform(source, { loader: "ts", sourcefile: fileName });
  const found = [];
  walk(parseAst(code), found);
  return found.map((text) => {
    const at = source.indexOf(text.split("\n")[0].slice(0, 40));
    const line = at < 0 ? "?" : source.slice(0, at).split("\n").length;
    return { file: fileName, line, text };
  });
}

/**
 * Static text in a page left outside the catalog: a text node with words in
 * an element without data-i18n, or a placeholder/aria-label/title with words
 * and no data-i18n-<attribute>. Product names are allowed.
 */
export function findHtmlLiterals(html, fileName = "page.html") {
  const hits = [];
  const body = html.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<style[\s\S]*?<\/style>/g, "");
  for (const m of body.matchAll(/<([a-z0-9]+)([^<>]*)>([^<>]*)(?=<)/g)) {
    const [, , attrs, text] = m;
    if (isWords(text) && !/\sdata-i18n="/.test(attrs)) hits.push({ file: fileName, text: text.trim() });
  }
  for (const m of body.matchAll(/<[a-z0-9]+([^<>]*)>/g)) {
    for (const a of m[1].matchAll(/\s(placeholder|aria-label|title)="([^"]*)"/g)) {
      if (isWords(a[2]) && !/^https?:/.test(a[2]) && !m[1].includes(`data-i18n-${a[1]}="`)) hits.push({ file: fileName, text: a[2] });
    }
  }
  return hits;
}

export async function readText(path) {
  return readFile(path, "utf8");
}
