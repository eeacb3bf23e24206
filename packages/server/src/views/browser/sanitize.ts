import DOMPurify from "dompurify"
import { LINK_URL } from "../../render/links.ts"
import { BROWSER_ALLOWED, IMAGE_DATA } from "../allow-list.ts"

/** The allowed attributes that hold URLs, held to the server's link list (render/links.ts). */
const URL_ATTRIBUTES: ReadonlySet<string> = new Set(["href", "src"])

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
      // The server's own link list, so both renders keep the same links.
      ALLOWED_URI_REGEXP: LINK_URL,
      // DOMPurify holds every attribute it does not know as safe to that pattern; only href and src are URLs here
      // (a datetime or a title with a colon is no scheme).
      ADD_URI_SAFE_ATTR: BROWSER_ALLOWED.attributes.filter((name) => !URL_ATTRIBUTES.has(name)),
      RETURN_DOM_FRAGMENT: true,
    })
    return fragment instanceof DocumentFragment ? fragment : null
  }
}
