import { type Model, modelKey, type Session, type ShareMetadata } from "@cloudsession/protocol"
import { modelElementId, PAGE_IDS } from "./dom-ids.ts"
import { formatTime, isoTime, plural } from "./format.ts"

/** Title block of a share; replaced whole on every live update (the session row always comes with one). */
export function SessionHead(props: { session: Session; metadata: ShareMetadata }) {
  const title = props.session.title?.trim() || "Untitled session"
  return (
    <section id={PAGE_IDS.sessionHead}>
      <h1>{title}</h1>
      <div class="meta">
        {props.session.directory ? <span class="mono">{props.session.directory}</span> : null}
        <span>
          created <time datetime={isoTime(props.metadata.createdAt)}>{formatTime(props.metadata.createdAt)}</time>
        </span>
        <span>
          updated <time datetime={isoTime(props.metadata.lastUpdated)}>{formatTime(props.metadata.lastUpdated)}</time>
        </span>
        <span>{plural(props.metadata.syncCount, "sync")}</span>
        {props.metadata.expiresAt === undefined ? null : (
          <span class="expires">
            expires <time datetime={isoTime(props.metadata.expiresAt)}>{formatTime(props.metadata.expiresAt)}</time>
          </span>
        )}
      </div>
    </section>
  )
}

/** One model the session used; an element per model so a live update adds or replaces just that one. */
export function ModelView(props: { model: Model }) {
  const key = modelKey(props.model)
  return (
    <li class="badge mono" id={modelElementId(key)} data-sort={key} title={key}>
      {props.model.name || props.model.id}
    </li>
  )
}
