import type { SessionIndex } from "@cloudsession/protocol"
import { LIST_IDS } from "./dom-ids.ts"
import { formatTime, isoTime, plural } from "./format.ts"
import { Layout } from "./layout.tsx"
import { OwnerControls } from "./owner-controls.tsx"
import { SEARCH_SCRIPT } from "./page-scripts.generated.ts"

type ListProps = {
  nonce: string
  sessions: SessionIndex[]
  /** Offset of this page and the next one (absent on the last page). */
  cursor: number
  next?: string
  limit: number
  /** Server-side search across all shares (`?q=`); empty for the plain listing. */
  query: string
  /** The owner's form token: the owner's dashboard, with controls on each share and a sign-out button. */
  csrf?: string
  /** How the owner signs out: our sign-out form (a session cookie), or Access's own logout (an Access identity). */
  signOut?: "form" | "access"
  /** Where the list lives: `/sessions` (the owner's) or `/public` (shares the owner listed). */
  path?: string
}

function pageHref(props: ListProps, cursor: number | string): string {
  const params = new URLSearchParams({ cursor: String(cursor), limit: String(props.limit) })
  if (props.query !== "") params.set("q", props.query)
  return `${props.path ?? "/sessions"}?${params}`
}

function Row(props: { entry: SessionIndex; csrf?: string }) {
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
      {props.csrf === undefined ? null : <OwnerControls entry={entry} csrf={props.csrf} />}
    </li>
  )
}

/**
 * All shares, newest first, one page at a time. Typing filters the page in the browser at once; submitting the
 * box (Enter) searches every share on the server.
 */
export function SessionList(props: ListProps) {
  const previous = Math.max(0, props.cursor - props.limit)
  return (
    <Layout title="Shared sessions · cloudsession" nonce={props.nonce} script={SEARCH_SCRIPT}>
      <h1>{props.path === "/public" ? "Listed sessions" : "Shared sessions"}</h1>
      {props.csrf === undefined ? null : props.signOut === "access" ? (
        <p class="signout">
          <a href="/cdn-cgi/access/logout">Sign out of Access</a>
        </p>
      ) : (
        <form method="post" action="/signout" class="signout">
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit">Sign out</button>
        </form>
      )}
      <form method="get" action={props.path ?? "/sessions"}>
        <input
          type="search"
          id={LIST_IDS.search}
          name="q"
          value={props.query}
          maxlength={200}
          placeholder="Filter by title or directory (Enter searches all shares)"
          aria-label="Filter sessions"
        />
      </form>
      <ul class="sessions" id={LIST_IDS.sessions}>
        {props.sessions.map((entry) => (
          <Row entry={entry} csrf={props.csrf} />
        ))}
      </ul>
      <p class="empty" id={LIST_IDS.noMatch} hidden>
        No session on this page matches.
      </p>
      {props.sessions.length === 0 ? (
        <p class="empty">
          {props.query === "" ? "No shared sessions yet." : `No shared session matches “${props.query}”.`}
        </p>
      ) : null}
      <nav class="pager">
        {props.cursor > 0 ? <a href={pageHref(props, previous)}>← Newer</a> : <span />}
        {props.next === undefined ? null : <a href={pageHref(props, props.next)}>Older →</a>}
      </nav>
    </Layout>
  )
}
