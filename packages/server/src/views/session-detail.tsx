import { type Message, type Part, partsByMessage, type ShareSnapshot } from "@cloudsession/protocol"
import type { StoredHtml } from "../service/snapshot-reader.ts"
import { DiffsView } from "./diff-view.tsx"
import { PAGE_IDS } from "./dom-ids.ts"
import { Layout } from "./layout.tsx"
import { MessageView } from "./message-view.tsx"
import { LIVE_SCRIPT } from "./page-scripts.generated.ts"
import { ModelView, SessionHead } from "./session-head.tsx"

type Thread = { id: string; message: Message | undefined; parts: Part[] }

/** Messages in id order (OpenCode ids sort by creation), each with its parts; parts without a message keep a slot. */
export function threadsOf(messages: Message[], parts: Part[]): Thread[] {
  const byMessage = partsByMessage(parts)
  const known = new Set(messages.map((message) => message.id))
  const threads: Thread[] = messages.map((message) => ({
    id: message.id,
    message,
    parts: byMessage.get(message.id) ?? [],
  }))
  for (const [id, list] of byMessage) if (!known.has(id)) threads.push({ id, message: undefined, parts: list })
  return threads.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * The share page. `data-version` tells the live script where to resume; no secret exists in a snapshot. An
 * incomplete snapshot (a session too large for one page) shows the start of the conversation and says so.
 */
export function SessionDetail(props: { snapshot: ShareSnapshot; complete: boolean; html: StoredHtml; nonce: string }) {
  const snapshot = props.snapshot
  return (
    <Layout
      title={`${snapshot.session.title?.trim() || "Shared session"} · cloudsession`}
      nonce={props.nonce}
      script={LIVE_SCRIPT}
    >
      <div id={PAGE_IDS.session} data-share={snapshot.id} data-version={String(snapshot.metadata.version)}>
        <SessionHead session={snapshot.session} metadata={snapshot.metadata} />
        <p class="notice" id={PAGE_IDS.shareGone} role="status" hidden>
          This share has been deleted. The page shows what it held and no longer updates.
        </p>
        <div class="meta">
          <span id={PAGE_IDS.liveStatus} class="badge connecting" data-state="connecting">
            connecting
          </span>
          <a href={`/api/share/${snapshot.id}`}>JSON</a>
        </div>
        <ul class="models" id={PAGE_IDS.models}>
          {snapshot.models.map((model) => (
            <ModelView model={model} />
          ))}
        </ul>
        <DiffsView diffs={snapshot.diffs} html={props.html.diffs} />
        <h2>Conversation</h2>
        {props.complete ? null : (
          <p class="notice" id="share-partial" role="status">
            This session is too large to show whole here: the page shows the start of the conversation.{" "}
            <a href={`/api/share/${snapshot.id}`}>The whole session as JSON</a>.
          </p>
        )}
        <section id={PAGE_IDS.messages}>
          {threadsOf(snapshot.messages, snapshot.parts).map((thread) => (
            <MessageView id={thread.id} message={thread.message} parts={thread.parts} html={props.html.parts} />
          ))}
        </section>
        <p class="empty" id="no-messages">
          No messages yet. This page updates live.
        </p>
      </div>
    </Layout>
  )
}
