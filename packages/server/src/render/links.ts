/**
 * The one allow list for URLs in shared content, used by the server's markdown renderer and by the live script's
 * DOMPurify pass, so the first render and a live update keep exactly the same links.
 *
 * Links: `http:`, `https:` and `mailto:`, or a URL with no scheme at all (relative, `#anchor`, `?query`). A colon
 * before the first `/`, `?` or `#` is a scheme, and every other scheme (`javascript:`, `data:`, `tel:`, `ftp:`,
 * `file:`, ...) is dropped. Browsers ignore tabs and newlines inside a scheme (`java\tscript:`); those still put a
 * colon before any slash, so they are caught by the same rule.
 */
export const LINK_URL = /^(?:(?:https?|mailto):|[^:/?#]*(?:[/?#]|$))/i

/**
 * Images: only inline `data:image/` sources, never a URL. An image loads as soon as a viewer opens the page, with
 * the viewer's cookies and from the viewer's network, so a remote or relative source would make every viewer call
 * whatever the share's author chose. (The page's CSP allows `img-src data:` only, too.)
 */
export const IMAGE_URL = /^data:image\//i

/**
 * Classes: only the tokens highlighting emits (`h-keyword`, `h-built_in`, highlight.js's sub-scope suffixes like
 * `class_`) and a code block's `language-…`, so nothing in a share can borrow the page's own styles.
 */
export const HIGHLIGHT_CLASS = /^(?:h-[a-z][a-z_-]*|[a-z]+_+|language-[a-z0-9+#.-]+)$/

export function isAllowedLink(url: string): boolean {
  return LINK_URL.test(url.trim())
}

export function isAllowedImage(url: string): boolean {
  return IMAGE_URL.test(url.trim())
}
