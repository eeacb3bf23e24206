import { type Message, type Part, partsByMessage, type ShareSnapshot } from "@cloudsession/protocol"
import type { StoredHtml } from "../service/snapshot-reader.ts"
import { DiffsView } from "./diff-view.tsx"
import { messageElementId, PAGE_IDS } from "./dom-ids.ts"
import { stringField } from "./format.ts"
import { Layout } from "./layout.tsx"
import { MessageView } from "./message-view.tsx"
import { LIVE_SCRIPT } from "./page-scripts.generated.ts"
import { ModelView, SessionHead } from "./session-head.tsx"
import { type TurnEntry, TurnIndex, turnLabel } from "./turn-index.tsx"

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

/** Turn entries for the prompts among `threads` (all of them loaded). */
export function turnsOf(threads: Thread[]): TurnEntry[] {
  return threads
    .filter((thread) => thread.message?.role === "user")
    .map((thread) => ({
      messageID: thread.id,
      label: turnLabel(
        stringField(
          thread.parts.find((part) => part.type === "text"),
          "text",
        ) ?? "",
      ),
      loaded: true,
    }))
}

/** Which part of the session a page shows, when it is not simply the latest turns of the share as it is now. */
export type PageWindow = {
  /** Every turn of the session (those off this page are linked through `?at=`). */
  turns: TurnEntry[]
  /** The first message on the page, when earlier ones exist: "earlier turns" links to the page before it. */
  earlierThan?: string
  /** True when later messages exist than those shown (an `?at=` or `?before=` page): such a page is not live. */
  laterExists: boolean
  /** The versions a replay steps through, the one shown and the share's own. */
  replay?: { steps: number[]; shown: number; latest: number }
  /** `?v=` below the share's version: the page shows the share as it was then. */
  timeTravel?: boolean
}

/**
 * Replay turn by turn: the previous and next step as links, and a slider over every version (a GET form, so it
 * works without script; the live script submits it as the slider moves).
 */
function Replay(props: { base: string; steps: number[]; shown: number; latest: number }) {
  if (props.steps.length < 2) return null
  const index = props.steps.findIndex((step) => step >= props.shown)
  const at = index < 0 ? props.steps.length - 1 : index
  const previous = props.steps[at - 1]
  const next = props.steps[at + 1]
  const href = (version: number) => (version >= props.latest ? props.base : `${props.base}?v=${version}`)
  return (
    <form class="replay" method="get" action={props.base} id="replay">
      <span class="replay-label">Replay</span>
      {previous === undefined ? (
        <span class="replay-step muted">◀</span>
      ) : (
        <a class="replay-step" href={href(previous)} aria-label="Previous turn">
          ◀
        </a>
      )}
      <label for="replay-version" class="sr-only">
        Version to show
      </label>
      <input
        type="range"
        id="replay-version"
        name="v"
        min="0"
        max={String(props.latest)}
        value={String(props.shown)}
        list="replay-steps"
      />
      <datalist id="replay-steps">
        {props.steps.map((step) => (
          <option value={String(step)} />
        ))}
      </datalist>
      {next === undefined ? (
        <span class="replay-step muted">▶</span>
      ) : (
        <a class="replay-step" href={href(next)} aria-label="Next turn">
          ▶
        </a>
      )}
      <span class="muted replay-at">{at === 0 ? "the start" : `after turn ${at} of ${props.steps.length - 1}`}</span>
      <button type="submit">Show</button>
    </form>
  )
}

function EarlierLink(props: { before: string }) {
  return (
    <p class="earlier" id="earlier">
      <a href={`?before=${encodeURIComponent(props.before)}`} data-before={props.before} id={PAGE_IDS.loadEarlier}>
        Load earlier turns
      </a>
    </p>
  )
}

/**
 * The share page. `data-version` tells the live script where to resume; no secret exists in a snapshot. The page
 * holds the latest turns that fit its budget; earlier ones load on request (a link that works without script, that
 * the live script turns into loading in place).
 */
export function SessionDetail(props: {
  snapshot: ShareSnapshot
  complete: boolean
  /** HTML stored for the parts and diff files shown, when they were written. */
  html?: StoredHtml
  nonce: string
  window?: PageWindow
}) {
  const snapshot = props.snapshot
  const threads = threadsOf(snapshot.messages, snapshot.parts)
  const window = props.window ?? { turns: turnsOf(threads), laterExists: false }
  const live = !window.laterExists && window.timeTravel !== true
  const base = `/share/${encodeURIComponent(snapshot.id)}`
  return (
    <Layout
      title={`${snapshot.session.title?.trim() || "Shared session"} · cloudsession`}
      nonce={props.nonce}
      script={LIVE_SCRIPT}
      alternates={[
        { type: "text/markdown", href: `${base}.md` },
        { type: "application/json", href: `${base}.json` },
      ]}
      wide={true}
    >
      <div
        id={PAGE_IDS.session}
        data-share={snapshot.id}
        data-version={String(snapshot.metadata.version)}
        data-live={live ? "on" : "off"}
      >
        <SessionHead session={snapshot.session} metadata={snapshot.metadata} />
        <p class="notice" id={PAGE_IDS.shareGone} role="status" hidden>
          This share has been deleted. The page shows what it held and no longer updates.
        </p>
        <div class="meta">
          <span id={PAGE_IDS.liveStatus} class={`badge ${live ? "connecting" : "static"}`} data-state="connecting">
            {live ? "connecting" : "not live"}
          </span>
          <a href={`${base}.md`}>Markdown</a>
          <a href={`${base}.json`}>JSON</a>
        </div>
        <ul class="models" id={PAGE_IDS.models}>
          {snapshot.models.map((model) => (
            <ModelView model={model} />
          ))}
        </ul>
        {window.replay === undefined ? null : live ? (
          // The live page's markup must not depend on the turn list (live updates do not carry it): a link to the
          // start of the replay, whose pages (not live) show the whole slider.
          <p class="replay">
            <a href={`${base}?v=0`} id="replay-start">
              Replay turn by turn
            </a>
          </p>
        ) : (
          <Replay base={base} {...window.replay} />
        )}
        {window.timeTravel !== true || window.replay === undefined ? null : (
          <p class="notice info" id="time-travel" role="status">
            You are looking at version {window.replay.shown} of {window.replay.latest}: the turns and parts that existed
            then (a part changed since shows its latest text). <a href={base}>Show the latest</a>
          </p>
        )}
        {!window.laterExists || window.timeTravel === true ? null : (
          <p class="notice info" role="status">
            Later turns are not on this page. <a href={`${base}#latest`}>Jump to the latest</a>
          </p>
        )}
        {props.complete ? null : (
          <p class="notice" id="share-partial" role="status">
            This session is too large to show whole here: the page shows part of it.{" "}
            <a href={`${base}.json`}>The whole session as JSON</a>.
          </p>
        )}
        <div class="columns">
          <TurnIndex turns={window.turns} />
          <div class="conversation">
            <h2 class="sr-only">Conversation</h2>
            {window.earlierThan === undefined ? null : <EarlierLink before={window.earlierThan} />}
            <section id={PAGE_IDS.messages} aria-label="Conversation">
              {threads.map((thread) => (
                <MessageView id={thread.id} message={thread.message} parts={thread.parts} html={props.html?.parts} />
              ))}
            </section>
            <p class="empty" id="no-messages">
              No messages yet. This page updates live.
            </p>
            <div id={PAGE_IDS.latest} />
            <DiffsView diffs={snapshot.diffs} html={props.html?.diffs} />
          </div>
        </div>
        <a class="jump" id={PAGE_IDS.jumpLatest} href={`#${PAGE_IDS.latest}`} hidden>
          New activity · jump to latest ↓
        </a>
      </div>
    </Layout>
  )
}

/** The page that shows one part whole (`?part=`): what "show all" links to from a clipped part. */
export function PartPage(props: {
  snapshot: ShareSnapshot
  message: Message | undefined
  part: Part
  /** The part is too big to show whole (up to 100 MB): its long texts are clipped, and its JSON is linked. */
  clipped: boolean
  nonce: string
}) {
  const base = `/share/${encodeURIComponent(props.snapshot.id)}`
  const json = `/api/share/${encodeURIComponent(props.snapshot.id)}/part/${encodeURIComponent(props.part.id)}`
  return (
    <Layout title={`Part ${props.part.id} · cloudsession`} nonce={props.nonce}>
      <SessionHead session={props.snapshot.session} metadata={props.snapshot.metadata} />
      <p class="meta">
        <a href={`${base}?at=${encodeURIComponent(props.part.messageID)}#${messageElementId(props.part.messageID)}`}>
          ← Back to the conversation
        </a>
      </p>
      {props.clipped ? (
        <p class="meta notice">
          This part is too big to show whole: its long texts are cut off here. <a href={json}>Download all of it</a>{" "}
          (JSON).
        </p>
      ) : null}
      <MessageView
        id={props.part.messageID}
        message={props.message}
        parts={[props.part]}
        limit={Number.MAX_SAFE_INTEGER}
      />
    </Layout>
  )
}
