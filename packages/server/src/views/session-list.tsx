import type { SessionIndex } from "@cloudsession/protocol"
import { SEARCH_SCRIPT } from "./client/search.ts"
import { formatTime, isoTime, plural } from "./format.ts"
import { Layout } from "./layout.tsx"

type ListProps = {
  nonce: string
  sessions: SessionIndex[]
  /** Offset of this page and the next one (absent on the last page). */
  cursor: number
  next?: string
  limit: number
}

function Row(props: { entry: SessionIndex }) {
  const entry = props.entry
  const title = entry.title.trim() || "Untitled session"
  return (
    <li data-search={`${entry.title} ${entry.directory}`.toLowerCase()}>
      <a href={`/share/${encodeURIComponent(entry.id)}`}>
        <div class="title">{title}</div>
        <div class="meta">
          {entry.directory ? <span class="mono">{entry.directory}</span> : null}
          <span>
            {plural(entry.messageCount, "message")} · {plural(entry.partCount, "part")}
            {entry.diffCount > 0 ? ` · ${plural(entry.diffCount, "file")} changed` : ""}
          </span>
          <span>
            updated <time datetime={isoTime(entry.lastUpdated)}>{formatTime(entry.lastUpdated)}</time>
          </span>
        </div>
      </a>
    </li>
  )
}

/** All shares, newest first, one page at a time; search filters the page in the browser. */
export function SessionList(props: ListProps) {
  const previous = Math.max(0, props.cursor - props.limit)
  return (
    <Layout title="Shared sessions · cloudsession" nonce={props.nonce} script={SEARCH_SCRIPT}>
      <h1>Shared sessions</h1>
      {/* Hidden until the script runs: without it the box could not filter anything. */}
      <input type="search" id="search" placeholder="Filter by title or directory" aria-label="Filter sessions" hidden />
      <ul class="sessions" id="sessions">
        {props.sessions.map((entry) => (
          <Row entry={entry} />
        ))}
      </ul>
      <p class="empty" id="no-match" hidden>
        No session on this page matches.
      </p>
      {props.sessions.length === 0 ? <p class="empty">No shared sessions yet.</p> : null}
      <nav class="pager">
        {props.cursor > 0 ? <a href={`/sessions?cursor=${previous}&limit=${props.limit}`}>← Newer</a> : <span />}
        {props.next === undefined ? null : <a href={`/sessions?cursor=${props.next}&limit=${props.limit}`}>Older →</a>}
      </nav>
    </Layout>
  )
}
