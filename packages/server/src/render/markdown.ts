import MarkdownIt, { type Token } from "markdown-it"
import type { RenderBudget } from "./budget.ts"
import { highlight, languageNamed } from "./highlight.ts"
import { escapeHtml } from "./html.ts"
import { isAllowedImage, isAllowedLink } from "./links.ts"

/**
 * Markdown → HTML for untrusted text (model output, tool output, user prompts), in time linear in the input and
 * bounded by a work budget.
 *
 * markdown-it, because its parser has no known quadratic case left (its authors ported CommonMark's pathological
 * tests, and `*a`, `**_*`, `[](`, backtick runs measured linear here: docs/security.md has the figures) while
 * `marked`'s emphasis parsing is quadratic. Its options do the rest: `html: false` shows raw HTML as text (a prompt
 * that mentions `<script>` reads the same, nothing in it is markup), `maxNesting` stops nested blockquotes and lists
 * at a depth no real text reaches (5 KB of `> ` crashed the old renderer with a stack overflow), `typographer: false`
 * avoids its smart-quotes pass (quadratic in markdown-it < 14.2). Links and images keep only what `links.ts` allows.
 */
const MAX_NESTING = 20

/** Characters of one text rendered as markdown at most; a longer text is shown as plain text. */
export const MARKDOWN_MAX_CHARS = 200_000

class OutOfBudget extends Error {}

let current: RenderBudget | undefined

function spend(): void {
  if (current !== undefined && !current.trySpend(1)) throw new OutOfBudget("render budget spent")
}

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, maxNesting: MAX_NESTING })

// markdown-it asks one question for links and images alike; the renderer rules below then hold each to its own list.
markdown.validateLink = (url: string) => isAllowedLink(url) || isAllowedImage(url)

type Rule = NonNullable<typeof markdown.renderer.rules.image>

/** The token's attributes without `name` when `allowed` refuses its value. */
function dropUnless(token: Token | undefined, name: string, allowed: (url: string) => boolean): void {
  if (token === undefined) return
  const value = token.attrGet(name)
  if (value === null || allowed(String(value))) return
  token.attrs = (token.attrs ?? []).filter(([attribute]) => attribute !== name)
}

markdown.renderer.rules.link_open = (tokens, index, options, _env, renderer) => {
  dropUnless(tokens[index], "href", isAllowedLink)
  return renderer.renderToken(tokens, index, options)
}

const renderImage: Rule | undefined = markdown.renderer.rules.image
markdown.renderer.rules.image = (tokens, index, options, env, renderer) => {
  dropUnless(tokens[index], "src", isAllowedImage)
  if (renderImage === undefined) return renderer.renderToken(tokens, index, options)
  return renderImage(tokens, index, options, env, renderer)
}

// Fenced code with a known language is highlighted (highlight.ts checks its markup and draws on the item's budget);
// any other is escaped text. The class names only a registered language, never what the fence's info string says.
markdown.renderer.rules.fence = (tokens, index) => {
  const token = tokens[index]
  const code = token?.content ?? ""
  const language = languageNamed(token?.info)
  const html = highlight(code, language)
  if (html === undefined || language === undefined) return `<pre><code>${escapeHtml(code)}</code></pre>\n`
  return `<pre><code class="language-${language}">${html}</code></pre>\n`
}

// Column alignment as `align`, which the page's CSP keeps (it refuses inline `style`).
for (const cell of ["th_open", "td_open"] as const) {
  markdown.renderer.rules[cell] = (tokens, index, options, _env, renderer) => {
    const token = tokens[index]
    const style = token?.attrGet("style")
    if (token !== undefined && style !== null && style !== undefined) {
      token.attrs = (token.attrs ?? []).filter(([attribute]) => attribute !== "style")
      const align = /text-align:(left|right|center)/.exec(String(style))?.[1]
      if (align !== undefined) token.attrSet("align", align)
    }
    return renderer.renderToken(tokens, index, options)
  }
}

// The budget is spent where the work is: one unit per position the inline parser tries its rules at (runs of plain
// text are one position), and one per token either parser produces.
markdown.inline.ruler.before("text", "budget", () => {
  spend()
  return false
})

class BudgetedBlockState extends markdown.block.State {
  override push(...args: Parameters<InstanceType<typeof markdown.block.State>["push"]>) {
    spend()
    return super.push(...args)
  }
}

class BudgetedInlineState extends markdown.inline.State {
  override push(...args: Parameters<InstanceType<typeof markdown.inline.State>["push"]>) {
    spend()
    return super.push(...args)
  }
}

markdown.block.State = BudgetedBlockState
markdown.inline.State = BudgetedInlineState

/** `text` as markdown when the budget allows, else undefined (the caller shows it as plain text). */
export function markdownHtml(text: string, budget: RenderBudget): string | undefined {
  if (text.length > MARKDOWN_MAX_CHARS) return undefined
  if (!budget.trySpend(Math.ceil(text.length / 16))) return undefined
  current = budget
  try {
    return markdown.render(text)
  } catch (error) {
    if (error instanceof OutOfBudget) return undefined
    throw error
  } finally {
    current = undefined
  }
}

/** Characters of a text shown when it is shown as plain text (too long, or too costly, for markdown). */
export const PLAIN_MAX_CHARS = 100_000

/**
 * A text as markdown, or, when it is longer than markdown is rendered for or its markup costs more than the
 * budget, as plain escaped text (its head, at most `plainMax` characters, with a note of how much was left out).
 * Either way the cost is linear.
 */
export function markdownOrPlain(text: string, budget: RenderBudget, plainMax = PLAIN_MAX_CHARS): string {
  const html = markdownHtml(text, budget)
  if (html !== undefined) return html
  const shown = text.slice(0, plainMax)
  const omitted = text.length - shown.length
  const note = omitted > 0 ? ` (${omitted.toLocaleString("en")} more characters not shown)` : ""
  return `<pre class="plain">${escapeHtml(shown)}</pre><p class="muted">shown as plain text${note}</p>`
}
