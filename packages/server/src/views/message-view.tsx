import type { Message, Part } from "@cloudsession/protocol"
import { messageElementId, partsElementId } from "./dom-ids.ts"
import { formatTime, isoTime, numberField, recordField, stringField } from "./format.ts"
import { PartView } from "./part-view.tsx"

/** `provider/model` of a message: assistants carry modelID/providerID, user messages a `model` object. */
export function modelOf(message: Message): string | undefined {
  const nested = recordField(message, "model")
  const model = stringField(message, "modelID") ?? stringField(nested, "modelID")
  const provider = stringField(message, "providerID") ?? stringField(nested, "providerID")
  if (model === undefined) return undefined
  return provider === undefined ? model : `${provider}/${model}`
}

function MessageError(props: { message: Message }) {
  const error = recordField(props.message, "error")
  if (error === undefined) return null
  const detail = stringField(recordField(error, "data"), "message") ?? stringField(error, "name") ?? "error"
  return <span class="badge error">{detail}</span>
}

/**
 * A message: its header, and its parts in order. `message` is undefined for parts whose message never arrived;
 * they still show, under a placeholder header, rather than vanish.
 */
export function MessageView(props: {
  id: string
  message: Message | undefined
  parts: Part[]
  /** Stored HTML of parts, by id (see PartView). */
  html?: ReadonlyMap<string, string>
}) {
  const message = props.message
  const role = message?.role ?? "message"
  const created = numberField(recordField(message, "time"), "created")
  const model = message === undefined ? undefined : modelOf(message)
  return (
    <article class={`message role-${role}`} id={messageElementId(props.id)} data-sort={props.id}>
      <div class="head">
        <span class="role">{role}</span>
        {model === undefined ? null : <span class="badge mono">{model}</span>}
        {stringField(message, "agent") === undefined ? null : (
          <span class="muted">{stringField(message, "agent")}</span>
        )}
        {created === undefined ? null : (
          <time class="muted" datetime={isoTime(created)}>
            {formatTime(created)}
          </time>
        )}
        {message === undefined ? null : <MessageError message={message} />}
      </div>
      <div class="parts" id={partsElementId(props.id)}>
        {props.parts.map((part) => (
          <PartView part={part} html={props.html?.get(part.id)} />
        ))}
      </div>
    </article>
  )
}
