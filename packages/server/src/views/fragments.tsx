import { modelKey, type ShareSnapshot } from "@cloudsession/protocol"
import type { JSX } from "hono/jsx/jsx-runtime"
import { DiffsView } from "./diff-view.tsx"
import { messageElementId, modelElementId, PAGE_IDS, partElementId, partsElementId, turnElementId } from "./dom-ids.ts"
import type { Fragment, FragmentBatch } from "./fragment-batch.ts"
import { MessageView } from "./message-view.tsx"
import { PartView } from "./part-view.tsx"
import { ModelView, SessionHead } from "./session-head.tsx"
import { TurnItem, turnLabel } from "./turn-index.tsx"

async function html(element: JSX.Element): Promise<string> {
  return String(await element.toString())
}

/**
 * Fragments for everything in a `since` snapshot: the header (always), changed models, the diff section when the
 * diff changed, changed messages (header only; the page keeps their parts) and changed parts. Rendered with the
 * page's own components, so live content is sanitised exactly like the first render.
 */
export async function fragmentsOf(delta: ShareSnapshot, since: number): Promise<FragmentBatch> {
  const fragments: Fragment[] = [
    { id: PAGE_IDS.sessionHead, html: await html(<SessionHead session={delta.session} metadata={delta.metadata} />) },
  ]
  for (const model of delta.models) {
    fragments.push({
      id: modelElementId(modelKey(model)),
      parent: PAGE_IDS.models,
      html: await html(<ModelView model={model} />),
    })
  }
  // Compared with the version rather than checked for entries, so a diff set that became empty is replaced too.
  if (delta.metadata.diffVersion > since) {
    fragments.push({ id: PAGE_IDS.diffs, html: await html(<DiffsView diffs={delta.diffs} />) })
  }
  for (const message of delta.messages) {
    fragments.push({
      id: messageElementId(message.id),
      parent: PAGE_IDS.messages,
      html: await html(<MessageView id={message.id} message={message} parts={[]} />),
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
      html: await html(<TurnItem entry={entry} />),
    })
  }
  for (const part of delta.parts) {
    fragments.push({
      id: partElementId(part.id),
      parent: partsElementId(part.messageID),
      html: await html(<PartView part={part} />),
    })
  }
  return { version: delta.metadata.version, fragments }
}
