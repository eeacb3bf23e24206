import { Marked } from "marked"
import xss, { type IFilterXSSOptions } from "xss"
import { HIGHLIGHT_CLASS, IMAGE_DATA, MARKDOWN_ALLOWED } from "./allow-list.ts"
import { highlight, languageNamed } from "./highlight.ts"

/**
 * Markdown → HTML for untrusted text (model output, tool output, user prompts). `marked` renders and passes raw
 * HTML through, so everything it produces goes through js-xss with a tight allow list: only the tags markdown
 * itself emits, no event handlers, no style, and URLs limited by js-xss to http(s)/mailto/relative. Images keep only
 * `data:image/` sources. Tags outside the list are escaped (shown as text) rather than dropped, so a prompt that
 * mentions `<script>` still reads the same. The live script's browser-side pass (browser/sanitize.ts) is built from
 * the same list (allow-list.ts).
 */
// js-xss is CommonJS with exports assigned in loops, which ESM interop cannot always see as named exports; its
// default export (the filter function) is the one entry point every bundler agrees on.
const OPTIONS: IFilterXSSOptions = {
  whiteList: MARKDOWN_ALLOWED,
  // Comments could hide content from a reader of the source; there is no reason to keep them.
  allowCommentTag: false,
  css: false,
  onTagAttr: (tag, name, value) => {
    // An image loads as soon as a viewer opens the page, with the viewer's cookies and from the viewer's network:
    // a relative or remote src would make every viewer call our own endpoints (or anyone's). Only inline data.
    if (tag === "img" && name === "src") return IMAGE_DATA.test(value.trim()) ? undefined : ""
    // Classes only ever name highlighting tokens: nothing in a share can borrow the page's own styles.
    if (name === "class") {
      const kept = value.split(/\s+/).filter((token) => HIGHLIGHT_CLASS.test(token))
      // The pattern admits no quote or markup character, so the value needs no escaping.
      return kept.length === 0 ? "" : `class="${kept.join(" ")}"`
    }
    // `<ol start>` is the one non-URL attribute we keep; anything but digits is dropped. Other attributes fall
    // through to js-xss's own checks (allow list, URL schemes).
    if (tag !== "ol" || name !== "start") return undefined
    return /^\d{1,6}$/.test(value) ? `start="${value}"` : ""
  },
}

// One configured instance: `async: false` keeps rendering synchronous so fragments render inline. Fenced code
// with a known language is highlighted here; what comes out is sanitised with everything else below.
const markdown = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    code({ text, lang }) {
      const language = languageNamed(lang)
      const html = highlight(text, language)
      if (html === undefined || language === undefined) return false
      return `<pre><code class="language-${language}">${html}</code></pre>\n`
    },
  },
})

/** Sanitise an HTML string with the viewer's allow list. */
export function sanitizeHtml(html: string): string {
  return xss(html, OPTIONS)
}

/** Render untrusted markdown to sanitised HTML. */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(markdown.parse(text, { async: false }))
}
