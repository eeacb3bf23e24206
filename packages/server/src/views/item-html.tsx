import type { ItemRenderer } from "../render/item-renderer.ts"
import { diffFileHtml } from "./diff-view.tsx"
import { partBodyHtml } from "./part-view.tsx"

/**
 * The renderers a share's items are stored with HTML by when they are written (share-object/rendered.ts), so page
 * views read it instead of rendering again. Bump `version` whenever what they produce changes (markup, classes, a renderer's rules): rows
 * stored with an older version are rendered again when next read.
 */
export const itemRenderer: ItemRenderer = { version: 1, part: partBodyHtml, diff: diffFileHtml }
