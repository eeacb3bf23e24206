import { IMAGE_DATA, MARKDOWN_ALLOWED } from "../markdown.ts"
import { PURIFY_BUNDLE } from "./purify.generated.ts"

/** What the page components put around the markdown (session-head, diff-view, message-view, part-view). */
const PAGE_TAGS = ["article", "section", "div", "span", "time", "li", "h1", "h2", "pre", "p", "details", "summary"]
const PAGE_ATTRIBUTES = ["id", "class", "title", "datetime", "hidden", "data-sort", "data-file"]

/**
 * The browser-side allow list: the server's markdown list plus the page's own markup, so server-rendered
 * fragments pass through unchanged while a handler, a style, a frame or a script never does.
 */
export const BROWSER_ALLOWED = {
  tags: [...new Set([...Object.keys(MARKDOWN_ALLOWED), ...PAGE_TAGS])].sort(),
  attributes: [...new Set([...Object.values(MARKDOWN_ALLOWED).flat(), ...PAGE_ATTRIBUTES])].sort(),
}

/**
 * Script text defining `sanitize(html)`: DOMPurify with the allow list above, returning a DocumentFragment (or
 * null where DOMPurify cannot run, so the caller inserts nothing). Fragments are already sanitised on the server;
 * this second pass means a fragment that somehow still carried a handler or a `javascript:` URL is inserted
 * inert. Links keep http(s), mailto and relative URLs; images keep only `data:image/` sources, as on the server.
 * Returning DOM rather than a string avoids a second parse of the cleaned HTML.
 */
export const SANITIZE_SCRIPT = `${PURIFY_BUNDLE}
  const purify = purifyModule.default;
  const IMAGE_DATA = ${IMAGE_DATA};
  purify.addHook("uponSanitizeAttribute", (node, data) => {
    if (node.nodeName === "IMG" && data.attrName === "src" && !IMAGE_DATA.test(data.attrValue.trim())) {
      data.keepAttr = false;
    }
  });
  const PURIFY_CONFIG = {
    ALLOWED_TAGS: ${JSON.stringify(BROWSER_ALLOWED.tags)},
    ALLOWED_ATTR: ${JSON.stringify(BROWSER_ALLOWED.attributes)},
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.\\-]+(?:[^a-z+.\\-:]|$))/i,
    RETURN_DOM_FRAGMENT: true,
  };
  const sanitize = (html) => {
    if (!purify.isSupported) return null;
    const fragment = purify.sanitize(html, PURIFY_CONFIG);
    return fragment instanceof DocumentFragment ? fragment : null;
  };
`
