import type { Message, Part } from "@cloudsession/protocol"
import { messageElementId, partsElementId } from "./dom-ids.ts"
import {
  formatCost,
  formatCount,
  formatDuration,
  formatTime,
  isoTime,
  numberField,
  recordField,
  stringField,
} from "./format.ts"
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

type Usage = { input: number; output: number; reasoning: number; cached: number; cost: number; steps: number }

/** Tokens and cost: the message's own totals (OpenCode keeps them current), else the sum of its step markers. */
export function usageOf(message: Message | undefined, parts: Part[]): Usage | undefined {
  const steps = parts.filter((part) => part.type === "step-finish")
  const sources = recordField(message, "tokens") === undefined ? steps : message === undefined ? [] : [message]
  if (sources.length === 0) return undefined
  const usage: Usage = { input: 0, output: 0, reasoning: 0, cached: 0, cost: 0, steps: steps.length }
  for (const source of sources) {
    const tokens = recordField(source, "tokens")
    usage.input += numberField(tokens, "input") ?? 0
    usage.output += numberField(tokens, "output") ?? 0
    usage.reasoning += numberField(tokens, "reasoning") ?? 0
    usage.cached += numberField(recordField(tokens, "cache"), "read") ?? 0
    usage.cost += numberField(source, "cost") ?? 0
  }
  return usage
}

/** The answer's footer: where the step markers went (steps, tokens, cost, how long it took). */
function Footer(props: { message: Message; parts: Part[] }) {
  const usage = usageOf(props.message, props.parts)
  const time = recordField(props.message, "time")
  const created = numberField(time, "created")
  const completed = numberField(time, "completed")
  const took = created !== undefined && completed !== undefined ? formatDuration(completed - created) : undefined
  const pieces: string[] = []
  if (usage !== undefined) {
    if (usage.steps > 0) pieces.push(usage.steps === 1 ? "1 step" : `${usage.steps} steps`)
    pieces.push(`${formatCount(usage.input)} in`, `${formatCount(usage.output)} out`)
    if (usage.reasoning > 0) pieces.push(`${formatCount(usage.reasoning)} reasoning`)
    if (usage.cached > 0) pieces.push(`${formatCount(usage.cached)} cached`)
    if (usage.cost > 0) pieces.push(formatCost(usage.cost))
  }
  if (took !== undefined) pieces.push(took)
  else if (completed === undefined && props.message.role === "assistant") pieces.push("in progress")
  if (pieces.length === 0) return null
  return <footer class="msg-foot">{pieces.join(" · ")}</footer>
}

/**
 * A message: its header, its parts in order, and (for an answer) a footer with its usage. `message` is undefined
 * for parts whose message never arrived; they still show, under a placeholder header, rather than vanish. A user
 * message opens a turn: the page and the turn index are built around them.
 */
export function MessageView(props: {
  id: string
  message: Message | undefined
  parts: Part[]
  /** Stored HTML of parts, by id (see PartView). */
  html?: ReadonlyMap<string, string>
  limit?: number
}) {
  const message = props.message
  const role = message?.role ?? "message"
  const created = numberField(recordField(message, "time"), "created")
  const model = message === undefined ? undefined : modelOf(message)
  const agent = stringField(message, "agent")
  const id = messageElementId(props.id)
  return (
    <article class={`message role-${role}`} id={id} data-sort={props.id} aria-label={role === "user" ? "Prompt" : role}>
      <div class="head">
        <span class="role">{role === "user" ? "You" : role}</span>
        {role === "user" || model === undefined ? null : <span class="badge mono">{model}</span>}
        {agent === undefined ? null : <span class="muted">{agent}</span>}
        {created === undefined ? null : (
          <time class="muted" datetime={isoTime(created)}>
            {formatTime(created)}
          </time>
        )}
        {message === undefined ? null : <MessageError message={message} />}
        <a class="anchor" href={`#${id}`} aria-label="Link to this message">
          #
        </a>
      </div>
      <div class="parts" id={partsElementId(props.id)}>
        {props.parts.map((part) => (
          <PartView part={part} html={props.html?.get(part.id)} limit={props.limit} />
        ))}
      </div>
      {message === undefined ? null : <Footer message={message} parts={props.parts} />}
    </article>
  )
}
