import { IMAGE_URL } from "../render/links.ts"

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

/** What the page components put around the markdown (session-head, diff-view, message-view, part-view). */
const PAGE_TAGS = ["article", "section", "div", "span", "time", "li", "h1", "h2", "pre", "p", "details", "summary"]
const PAGE_ATTRIBUTES = ["id", "class", "title", "datetime", "hidden", "data-sort", "data-file"]

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
