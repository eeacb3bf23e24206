import DOMPurify from "dompurify"
import { BROWSER_ALLOWED, IMAGE_DATA } from "../allow-list.ts"

/** Links keep http(s), mailto and relative URLs; anything else (`javascript:`, `data:`) is dropped. */
const ALLOWED_URI = /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i

/**
 * The page's second sanitising pass: DOMPurify with the allow list the server uses, returning a DocumentFragment
 * (or null where DOMPurify cannot run, so the caller inserts nothing). Fragments are already sanitised on the
 * server; this pass means a fragment that somehow still carried a handler or a `javascript:` URL is inserted inert.
 * Images keep only `data:image/` sources, as on the server. Returning DOM rather than a string avoids a second parse
 * of the cleaned HTML.
 */
export type Sanitize = (html: string) => DocumentFragment | null

export function createSanitizer(): Sanitize {
  DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
    if (node.nodeName === "IMG" && data.attrName === "src" && !IMAGE_DATA.test(data.attrValue.trim())) {
      data.keepAttr = false
    }
  })
  return (html) => {
    if (!DOMPurify.isSupported) return null
    const fragment: unknown = DOMPurify.sanitize(html, {
      ALLOWED_TAGS: BROWSER_ALLOWED.tags,
      ALLOWED_ATTR: BROWSER_ALLOWED.attributes,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      ALLOWED_URI_REGEXP: ALLOWED_URI,
      RETURN_DOM_FRAGMENT: true,
    })
    return fragment instanceof DocumentFragment ? fragment : null
  }
}
