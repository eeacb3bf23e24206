import { modelKey, type ShareSnapshot } from "@cloudsession/protocol"
import type { JSX } from "hono/jsx/jsx-runtime"
import { RENDER_UNITS, RenderBudget } from "../render/budget.ts"
import { withBudget } from "../render/context.ts"
import { markHiddenCharacters } from "../render/html.ts"
import type { StoredHtml } from "../service/snapshot-reader.ts"
import { DiffsView } from "./diff-view.tsx"
import { messageElementId, modelElementId, PAGE_IDS, partElementId, partsElementId, turnElementId } from "./dom-ids.ts"
import type { Fragment, FragmentBatch } from "./fragment-batch.ts"
import { MessageView } from "./message-view.tsx"
import { PartView } from "./part-view.tsx"
import { ModelView, SessionHead } from "./session-head.tsx"
import { TurnItem, turnLabel } from "./turn-index.tsx"

/**
 * A fragment's HTML with hidden characters marked, as on the page (stored part and diff HTML already are); what has
 * no stored HTML is rendered within the page's budget, shared by all fragments of one answer.
 */
function renderer(budget: RenderBudget): (element: JSX.Element) => string {
  return (element) => withBudget(budget, () => markHiddenCharacters(String(element)))
}

/**
 * Fragments for everything in a `since` snapshot: the header (always), changed models, the diff section when the
 * diff changed, changed messages (header only; the page keeps their parts) and changed parts. Rendered with the
 * page's own components, so live content is sanitised exactly like the first render.
 */
export function fragmentsOf(
  view: { snapshot: ShareSnapshot; complete: boolean; html: StoredHtml },
  since: number,
): FragmentBatch {
  const delta = view.snapshot
  if (!view.complete) return { version: delta.metadata.version, fragments: [], reload: true }
  const html = renderer(new RenderBudget(RENDER_UNITS.read))
  const fragments: Fragment[] = [
    { id: PAGE_IDS.sessionHead, html: html(<SessionHead session={delta.session} metadata={delta.metadata} />) },
  ]
  for (const model of delta.models) {
    fragments.push({
      id: modelElementId(modelKey(model)),
      parent: PAGE_IDS.models,
      html: html(<ModelView model={model} />),
    })
  }
  // Compared with the version rather than checked for entries, so a diff set that became empty is replaced too.
  if (delta.metadata.diffVersion > since) {
    fragments.push({ id: PAGE_IDS.diffs, html: html(<DiffsView diffs={delta.diffs} html={view.html.diffs} />) })
  }
  for (const message of delta.messages) {
    fragments.push({
      id: messageElementId(message.id),
      parent: PAGE_IDS.messages,
      html: html(<MessageView id={message.id} message={message} parts={[]} />),
    })
    // A new prompt is a new turn: the index gets it too (labelled by its text, when that came along).
    if (message.role !== "user") continue
    const text = delta.parts.find((part) => part.messageID === message.id && part.type === "text")
    const entry = {
      messageID: message.id,
      label: turnLabel(typeof text?.text === "string" ? text.text : ""),
      loaded: true,
    }
    fragments.push({
      id: turnElementId(message.id),
      parent: PAGE_IDS.turns,
      html: html(<TurnItem entry={entry} />),
    })
  }
  for (const part of delta.parts) {
    fragments.push({
      id: partElementId(part.id),
      parent: partsElementId(part.messageID),
      html: html(<PartView part={part} html={view.html.parts.get(part.id)} />),
    })
  }
  return { version: delta.metadata.version, fragments }
}
