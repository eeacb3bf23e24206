import { activeBudget } from "./context.ts"
import hljs, { LANGUAGES } from "./highlight-core.js"
import { HIGHLIGHT_CLASS } from "./links.ts"

/**
 * Server-side syntax highlighting with highlight.js core and a chosen set of languages (about 28 KB gzipped in the
 * Worker bundle; docs/viewer.md has the figures). It runs in workerd as plain JavaScript, with no WASM and no
 * grammar files loaded at run time. The language always comes from the text's context (a code fence's info string,
 * a file's extension, a tool's kind): auto-detection runs every grammar and costs ~100× more.
 *
 * Output is HTML of `<span class="h-…">` around text that highlight.js escapes itself. Rather than a second pass of
 * the HTML sanitiser (which would cost more than highlighting), every result is checked to hold nothing but such
 * spans (SAFE_MARKUP) and shown plain if it does not; the live path's DOMPurify pass sees it like any markup. The
 * classes are styled by the page's nonce'd stylesheet, so the CSP is unchanged.
 */

/**
 * Above this many characters a block is shown plain. Highlighting costs about 1 ms per KB for TypeScript (the
 * slowest grammar here) on this machine, so one block costs at most ~16 ms.
 */
export const HIGHLIGHT_LIMIT = 16 * 1024

const EXTENSIONS: Record<string, string> = {
  cjs: "javascript",
  cts: "typescript",
  htm: "xml",
  html: "xml",
  js: "javascript",
  jsonc: "json",
  jsx: "javascript",
  md: "markdown",
  mjs: "javascript",
  mts: "typescript",
  svg: "xml",
  toml: "ini",
  ts: "typescript",
  tsx: "typescript",
  zsh: "bash",
  sh: "bash",
  py: "python",
  rs: "rust",
  yml: "yaml",
  h: "c",
  hpp: "cpp",
  cc: "cpp",
  scss: "css",
}

/** Every name a registered language answers to (its own and highlight.js's aliases: `ts`, `sh`, `yml`…). */
const NAMES = new Map<string, string>()
for (const name of Object.keys(LANGUAGES)) {
  NAMES.set(name, name)
  for (const alias of hljs.getLanguage(name)?.aliases ?? []) NAMES.set(alias, name)
}
NAMES.set("shell", "bash")
NAMES.set("console", "bash")

/** A registered language for a fence's info string (`ts`, `TypeScript`, `shell`…), or undefined. */
export function languageNamed(name: string | undefined): string | undefined {
  const wanted = name?.trim().toLowerCase().split(/\s/, 1)[0]
  if (wanted === undefined || wanted === "") return undefined
  return NAMES.get(wanted) ?? EXTENSIONS[wanted]
}

/** The language of a file, from its name: `src/app.tsx` → typescript, `Dockerfile` → dockerfile. */
export function languageOfPath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  const name = path.split(/[\\/]/).pop()?.toLowerCase() ?? ""
  if (name === "dockerfile") return "dockerfile"
  if (name === "makefile") return "makefile"
  const dot = name.lastIndexOf(".")
  if (dot < 0) return undefined
  const extension = name.slice(dot + 1)
  return EXTENSIONS[extension] ?? NAMES.get(extension)
}

/**
 * Work units one character of highlighting costs (render/budget.ts: a unit is ~10 µs at the worst measured; the
 * slowest grammar here takes ~1 µs a character).
 */
const UNITS_PER_CHAR = 1 / 8

/**
 * HTML for `code` in `language`, or undefined when it should be shown plain (no known language, too long to be
 * worth the time, or more than the item's render budget has left). Never throws: a grammar that trips on odd
 * input leaves the text plain.
 */
export function highlight(code: string, language: string | undefined): string | undefined {
  if (language === undefined || code.length > HIGHLIGHT_LIMIT || !NAMES.has(language)) {
    return undefined
  }
  if (!activeBudget().trySpend(Math.ceil(code.length * UNITS_PER_CHAR))) return undefined
  try {
    const html = hljs.highlight(code, { language, ignoreIllegals: true }).value
    return onlyHighlightMarkup(html) ? html : undefined
  } catch {
    return undefined
  }
}

/** Every tag is `<span class="…">` (classes as above) or `</span>`; `<` appears nowhere else (text is escaped). */
const TAG = /<(\/span>|span class="([^"<>]*)">)?/g

/** True when `html` holds only highlighting spans around escaped text: linear, and far cheaper than sanitising. */
export function onlyHighlightMarkup(html: string): boolean {
  for (const match of html.matchAll(TAG)) {
    if (match[1] === undefined) return false
    const classes = match[2]
    if (classes !== undefined && !classes.split(" ").every((token) => HIGHLIGHT_CLASS.test(token))) return false
  }
  return true
}
