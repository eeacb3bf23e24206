import type { FileDiff, Part } from "@cloudsession/protocol"
import type { RenderBudget } from "./budget.ts"

/**
 * What turns one stored item into its HTML, once, when it is written (see docs/security.md): the Worker renders
 * parts as it takes a sync's items, the Durable Object the diff files that changed; the HTML is stored in the item's
 * row and pages read it back; `version` is stored with it, so a renderer that changes its output
 * bumps it and older rows are rendered again the next time they are read.
 */
export type ItemRenderer = {
  version: number
  part: (part: Part, budget: RenderBudget) => string
  diff: (diff: FileDiff, budget: RenderBudget) => string
}

let installed: ItemRenderer | undefined

/**
 * The renderers are page components (views/), a layer above the Durable Object that calls them; the Worker's entry
 * installs them here so the dependency still points down.
 */
export function installItemRenderer(renderer: ItemRenderer): void {
  installed = renderer
}

export function itemRenderer(): ItemRenderer {
  if (installed === undefined) throw new Error("no item renderer installed (the Worker's entry installs it)")
  return installed
}
