import { HIGHLIGHT_CLASS, IMAGE_URL } from "../render/links.ts"

/**
 * What markdown may become on a share page: the tags and attributes render/markdown.ts (markdown-it) emits, no event
 * handlers, no style. The browser's DOMPurify pass (browser/sanitize.ts) is built from it.
 */
export const MARKDOWN_ALLOWED: Record<string, string[]> = {
  a: ["href", "title"],
  blockquote: [],
  br: [],
  code: ["class"],
  del: [],
  em: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  hr: [],
  img: ["src", "alt", "title"],
  li: [],
  ol: ["start"],
  p: [],
  pre: ["class"],
  s: [],
  // Syntax highlighting (render/highlight.ts): class names only, each checked against HIGHLIGHT_CLASS.
  span: ["class"],
  strong: [],
  table: [],
  tbody: [],
  td: ["align"],
  th: ["align"],
  thead: [],
  tr: [],
  ul: [],
}

/** The only image sources kept, on the server and in the browser: inline data, never a request. */
export const IMAGE_DATA = IMAGE_URL

/** Class tokens highlighting emits (render/links.ts). */
export { HIGHLIGHT_CLASS }

/** What the page components put around the markdown (session head, messages, parts, tools, the diff review). */
const PAGE_TAGS = [
  "article",
  "section",
  "div",
  "span",
  "time",
  "ul",
  "ol",
  "li",
  "h1",
  "h2",
  "pre",
  "code",
  "p",
  "a",
  "details",
  "summary",
  "footer",
  "figure",
  "figcaption",
  "img",
  "nav",
  "label",
  "input",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
]
const PAGE_ATTRIBUTES = [
  "id",
  "class",
  "title",
  "datetime",
  "hidden",
  "open",
  "href",
  "src",
  "alt",
  "loading",
  "role",
  "colspan",
  "tabindex",
  "type",
  "name",
  "for",
  "checked",
  "aria-hidden",
  "aria-label",
  "aria-labelledby",
  "data-sort",
  "data-file",
  "data-lang",
  "data-before",
]

/**
 * The browser-side allow list: the markdown list plus the page's own markup, so server-rendered fragments pass
 * through unchanged while a handler, a style, a frame or a script never does.
 */
export const BROWSER_ALLOWED = {
  tags: [...new Set([...Object.keys(MARKDOWN_ALLOWED), ...PAGE_TAGS])].sort(),
  attributes: [
    ...new Set([...Object.values(MARKDOWN_ALLOWED).flatMap((names) => names ?? []), ...PAGE_ATTRIBUTES]),
  ].sort(),
}
