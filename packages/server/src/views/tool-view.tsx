import type { Part } from "@cloudsession/protocol"
import { activeBudget } from "../render/context.ts"
import { languageOfPath } from "../render/highlight.ts"
import { markdownOrPlain } from "../render/markdown.ts"
import { Code, fullPartHref, Listing, listingOf, withoutAnsi } from "./code-view.tsx"
import { DiffTable, lineDiff } from "./diff-view.tsx"
import { formatDuration, isRecord, numberField, prettyJson, recordField, shortPath, stringField } from "./format.ts"
import { patchLines, withContext } from "./line-diff.ts"

type Loose = Record<string, unknown>

type ToolProps = { part: Part; tool: string; state: Loose | undefined; input: Loose; more: string; limit?: number }

const STATUS_BADGE: Record<string, string> = { completed: "ok", error: "error", running: "running", pending: "pending" }

/** A tool call's one-line summary: what it acted on, from its title or, while it has none yet, from its input. */
function subjectOf(tool: string, state: Loose | undefined, input: Loose): string {
  const title = stringField(state, "title")
  const path = stringField(input, "filePath") ?? stringField(input, "path")
  if (["read", "edit", "write", "list"].includes(tool) && path !== undefined) return shortPath(path)
  if (title !== undefined && title !== "") return title
  const command = stringField(input, "command")
  if (command !== undefined) return command
  return stringField(input, "description") ?? stringField(input, "pattern") ?? stringField(input, "url") ?? path ?? ""
}

function Label(props: { children: string }) {
  return <div class="label">{props.children}</div>
}

function Output(props: { text: string | undefined; more: string; language?: string; limit?: number }) {
  if (props.text === undefined || props.text === "") return null
  return (
    <>
      <Label>output</Label>
      <Code text={withoutAnsi(props.text)} language={props.language} more={props.more} limit={props.limit} />
    </>
  )
}

function BashBody(props: ToolProps) {
  const command = stringField(props.input, "command") ?? ""
  // A running command streams its output into metadata; a finished one has it as `output`.
  const output = stringField(props.state, "output") ?? stringField(recordField(props.state, "metadata"), "output")
  return (
    <>
      <Code text={command} language="bash" class="command" more={props.more} limit={props.limit} />
      <Output text={output} more={props.more} limit={props.limit} />
    </>
  )
}

function ReadBody(props: ToolProps) {
  const output = stringField(props.state, "output")
  const language = languageOfPath(stringField(props.input, "filePath"))
  const listing = output === undefined ? undefined : listingOf(output)
  if (listing === undefined) return <Output text={output} more={props.more} limit={props.limit} language={language} />
  return <Listing lines={listing} language={language} more={props.more} />
}

function EditBody(props: ToolProps) {
  const path = stringField(props.input, "filePath")
  const metadata = recordField(props.state, "metadata")
  const patch = stringField(metadata, "diff")
  const lines =
    patch !== undefined
      ? withContext(patchLines(patch))
      : lineDiff(stringField(props.input, "oldString") ?? "", stringField(props.input, "newString") ?? "")
  return (
    <>
      {lines.length === 0 ? null : <DiffTable lines={lines} language={languageOfPath(path)} mode="unified" />}
      <Output text={stringField(props.state, "output")} more={props.more} limit={props.limit} />
    </>
  )
}

function WriteBody(props: ToolProps) {
  const content = stringField(props.input, "content") ?? ""
  return (
    <>
      <Code
        text={content}
        language={languageOfPath(stringField(props.input, "filePath"))}
        more={props.more}
        limit={props.limit}
      />
      <Output text={stringField(props.state, "output")} more={props.more} limit={props.limit} />
    </>
  )
}

function TodoBody(props: ToolProps) {
  const todos = Array.isArray(props.input.todos) ? props.input.todos.filter(isRecord) : []
  if (todos.length === 0)
    return <Output text={stringField(props.state, "output")} more={props.more} limit={props.limit} />
  return (
    <ul class="todos">
      {todos.map((todo) => {
        const status = stringField(todo, "status") ?? "pending"
        return (
          <li class={`todo todo-${status.replace(/[^a-z_]/g, "")}`}>
            <span class="todo-mark" aria-hidden="true">
              {status === "completed" ? "✓" : status === "in_progress" ? "▸" : status === "cancelled" ? "✕" : "○"}
            </span>{" "}
            {stringField(todo, "content") ?? ""}
            <span class="sr-only"> ({status.replace("_", " ")})</span>
          </li>
        )
      })}
    </ul>
  )
}

function TaskBody(props: ToolProps) {
  const prompt = stringField(props.input, "prompt") ?? ""
  const output = stringField(props.state, "output")
  return (
    <>
      <Label>{`prompt to ${stringField(props.input, "subagent_type") ?? "a subagent"}`}</Label>
      <div class="md" dangerouslySetInnerHTML={{ __html: markdownOrPlain(prompt, activeBudget()) }} />
      {output === undefined ? null : (
        <>
          <Label>result</Label>
          <div class="md" dangerouslySetInnerHTML={{ __html: markdownOrPlain(output, activeBudget()) }} />
        </>
      )}
    </>
  )
}

function GenericBody(props: ToolProps) {
  const hasInput = Object.keys(props.input).length > 0
  return (
    <>
      {hasInput ? (
        <>
          <Label>input</Label>
          <Code text={prettyJson(props.input)} language="json" more={props.more} limit={props.limit} />
        </>
      ) : null}
      <Output text={stringField(props.state, "output")} more={props.more} limit={props.limit} />
    </>
  )
}

function ToolBody(props: ToolProps) {
  const status = stringField(props.state, "status") ?? "pending"
  if (status === "pending") {
    // The model is still writing the call: show its input as it streams in (raw JSON, not parseable yet).
    const raw = stringField(props.state, "raw") ?? ""
    return (
      <>
        <Label>input, still being written</Label>
        {raw === "" ? (
          <p class="muted">waiting for the model…</p>
        ) : (
          <Code text={raw} more={props.more} limit={props.limit} />
        )}
      </>
    )
  }
  const error = stringField(props.state, "error")
  const body = (() => {
    switch (props.tool) {
      case "bash":
        return <BashBody {...props} />
      case "read":
        return <ReadBody {...props} />
      case "edit":
        return <EditBody {...props} />
      case "write":
        return <WriteBody {...props} />
      case "todowrite":
      case "todoread":
        return <TodoBody {...props} />
      case "task":
        return <TaskBody {...props} />
      default:
        return <GenericBody {...props} />
    }
  })()
  return (
    <>
      {body}
      {error === undefined ? null : (
        <>
          <Label>error</Label>
          <Code text={withoutAnsi(error)} class="error" more={props.more} limit={props.limit} />
        </>
      )}
    </>
  )
}

/**
 * A tool call as one line (tool, what it acted on, status, duration) that opens to its input and output. A
 * `<details>`, so it works without script; pending and running calls start open, since they are what is happening.
 */
export function ToolPart(props: { part: Part; limit?: number }) {
  const state = recordField(props.part, "state")
  const input = recordField(state, "input") ?? {}
  const tool = stringField(props.part, "tool") ?? "tool"
  const status = stringField(state, "status") ?? "pending"
  const time = recordField(state, "time")
  const start = numberField(time, "start")
  const end = numberField(time, "end")
  const duration = start !== undefined && end !== undefined ? formatDuration(end - start) : undefined
  const active = status === "pending" || status === "running"
  return (
    <details class={`tool status-${STATUS_BADGE[status] ?? "other"}`} open={active}>
      <summary>
        <span class="tool-name">{tool}</span>
        <span class="tool-subject">{subjectOf(tool, state, input)}</span>
        <span class={`badge ${STATUS_BADGE[status] ?? ""}`}>{status}</span>
        {duration === undefined ? null : <span class="tool-time">{duration}</span>}
      </summary>
      <div class="tool-body">
        <ToolBody
          part={props.part}
          tool={tool}
          state={state}
          input={input}
          more={fullPartHref(props.part.id)}
          limit={props.limit}
        />
      </div>
    </details>
  )
}
