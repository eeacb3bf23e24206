import type { Part } from "@cloudsession/protocol"
import { raw } from "hono/html"
import type { RenderBudget } from "../render/budget.ts"
import { activeBudget, nextItemBudget, withBudget } from "../render/context.ts"
import { markHiddenCharacters } from "../render/html.ts"
import { markdownOrPlain } from "../render/markdown.ts"
import { partElementId } from "./dom-ids.ts"
import { clip, formatTime, isRecord, numberField, prettyJson, recordField, stringField } from "./format.ts"

function Markdown(props: { text: string }) {
  return <div class="md" dangerouslySetInnerHTML={{ __html: markdownOrPlain(props.text, activeBudget()) }} />
}

/** Plain text in a <pre>, escaped by JSX and clipped so one huge tool output cannot make the page unusable. */
function Clipped(props: { text: string; class?: string }) {
  const shown = clip(props.text)
  return (
    <>
      <pre class={props.class}>{shown.text}</pre>
      {shown.omitted > 0 ? <p class="muted">… {shown.omitted.toLocaleString("en")} more characters not shown</p> : null}
    </>
  )
}

function ToolPart(props: { part: Part }) {
  const state = recordField(props.part, "state")
  const status = stringField(state, "status") ?? "pending"
  const input = state?.input
  const output = stringField(state, "output")
  const error = stringField(state, "error")
  const title = stringField(state, "title")
  const time = recordField(state, "time")
  const start = numberField(time, "start")
  const end = numberField(time, "end")
  const badge = status === "completed" ? "ok" : status
  return (
    <div class="tool">
      <div class="head">
        <span class="name">{stringField(props.part, "tool") ?? "tool"}</span>
        <span class={`badge ${badge}`}>{status}</span>
        {title === undefined ? null : <span class="muted">{title}</span>}
        {start !== undefined && end !== undefined ? <span class="muted">{Math.max(0, end - start)} ms</span> : null}
      </div>
      {input === undefined || (isRecord(input) && Object.keys(input).length === 0) ? null : (
        <>
          <div class="label">input</div>
          <Clipped text={prettyJson(input)} />
        </>
      )}
      {output === undefined ? null : (
        <>
          <div class="label">output</div>
          <Clipped text={output} />
        </>
      )}
      {error === undefined ? null : (
        <>
          <div class="label">error</div>
          <Clipped text={error} class="error" />
        </>
      )}
    </div>
  )
}

function FilePart(props: { part: Part }) {
  const source = recordField(props.part, "source")
  const path = stringField(source, "path")
  // The file's url is not linked: it is a data: or file: URL from the agent's machine, useless (or huge) here.
  return (
    <div class="file">
      <span class="badge">file</span> <span class="mono">{stringField(props.part, "filename") ?? path ?? "file"}</span>{" "}
      <span class="muted">{stringField(props.part, "mime") ?? ""}</span>
    </div>
  )
}

function StepFinish(props: { part: Part }) {
  const tokens = recordField(props.part, "tokens")
  const input = numberField(tokens, "input")
  const output = numberField(tokens, "output")
  const cost = numberField(props.part, "cost")
  return (
    <div class="step">
      step finished{stringField(props.part, "reason") === undefined ? "" : ` · ${stringField(props.part, "reason")}`}
      {input === undefined ? "" : ` · ${input} in`}
      {output === undefined ? "" : ` / ${output} out tokens`}
      {cost === undefined || cost === 0 ? "" : ` · $${cost.toFixed(4)}`}
    </div>
  )
}

function PatchPart(props: { part: Part }) {
  const files = Array.isArray(props.part.files) ? props.part.files.filter((file) => typeof file === "string") : []
  return <div class="step">files changed: {files.length === 0 ? "none" : files.join(", ")}</div>
}

function PartBody(props: { part: Part }) {
  const part = props.part
  switch (part.type) {
    case "text":
      return <Markdown text={stringField(part, "text") ?? ""} />
    case "reasoning":
      // Collapsed: the model's thinking is often long and secondary to what it did.
      return (
        <details class="reasoning">
          <summary>reasoning</summary>
          <Markdown text={stringField(part, "text") ?? ""} />
        </details>
      )
    case "tool":
      return <ToolPart part={part} />
    case "file":
      return <FilePart part={part} />
    case "step-start":
      return <div class="step">step started</div>
    case "step-finish":
      return <StepFinish part={part} />
    case "patch":
      return <PatchPart part={part} />
    case "agent":
      return <div class="step">agent: {stringField(part, "name") ?? ""}</div>
    case "subtask":
      return (
        <div class="tool">
          <div class="head">
            <span class="name">subtask</span>
            <span class="muted">{stringField(part, "description") ?? ""}</span>
          </div>
          <Markdown text={stringField(part, "prompt") ?? ""} />
        </div>
      )
    default:
      // Types this viewer does not know yet (a newer agent): shown as data, escaped, never interpreted.
      return (
        <details>
          <summary>{part.type}</summary>
          <Clipped text={prettyJson(part)} />
        </details>
      )
  }
}

/**
 * The body of a part as HTML, within `budget`: what the share's Durable Object stores when the part is written
 * (see item-html.tsx), and what a view renders itself for a part stored without it.
 */
export function partBodyHtml(part: Part, budget: RenderBudget): string {
  return withBudget(budget, () => markHiddenCharacters(String(<PartBody part={part} />)))
}

/** One part of a message. Its id and sort key let the live script replace or insert it in place. */
export function PartView(props: { part: Part; html?: string | undefined }) {
  const time = recordField(props.part, "time")
  const start = numberField(time, "start")
  return (
    <div class={`part kind-${props.part.type}`} id={partElementId(props.part.id)} data-sort={props.part.id}>
      {/* The HTML stored when the part was written, when there is one: a view renders no markdown. */}
      {raw(props.html ?? partBodyHtml(props.part, nextItemBudget()))}
      {props.part.type === "text" && start !== undefined ? <div class="step">{formatTime(start)}</div> : null}
    </div>
  )
}
