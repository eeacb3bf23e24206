import type { Part } from "@cloudsession/protocol"
import { raw } from "hono/html"
import type { RenderBudget } from "../render/budget.ts"
import { activeBudget, nextItemBudget, withBudget } from "../render/context.ts"
import { languageOfPath } from "../render/highlight.ts"
import { markHiddenCharacters } from "../render/html.ts"
import { markdownOrPlain } from "../render/markdown.ts"
import { Clipped, Code, fullPartHref } from "./code-view.tsx"
import { partElementId } from "./dom-ids.ts"
import { clip, formatDuration, numberField, prettyJson, recordField, shortPath, stringField } from "./format.ts"
import { ToolPart } from "./tool-view.tsx"

/** Characters of markdown rendered per text part; the rest is behind "show all" (`?part=`). */
const TEXT_LIMIT = 60_000

/** Images inlined as previews up to this size of data URL; larger ones are listed with a link to the part. */
const IMAGE_PREVIEW_LIMIT = 512 * 1024

/**
 * Characters shown as plain text when markdown is too costly: the default on a page; on the page that shows one part
 * whole, up to a few MB (linear to escape, and that page holds only the one part).
 */
const WHOLE_PART_PLAIN_CHARS = 4 * 1024 * 1024

function plainLimit(limit: number | undefined): number | undefined {
  return limit === undefined ? undefined : Math.min(limit, WHOLE_PART_PLAIN_CHARS)
}

function Markdown(props: { text: string; more?: string; limit?: number }) {
  const shown = clip(props.text, props.limit ?? TEXT_LIMIT)
  return (
    <>
      <div
        class="md"
        dangerouslySetInnerHTML={{ __html: markdownOrPlain(shown.text, activeBudget(), plainLimit(props.limit)) }}
      />
      <Clipped omitted={shown.omitted} more={props.more} />
    </>
  )
}

function TextPart(props: { part: Part; limit?: number }) {
  const text = stringField(props.part, "text") ?? ""
  if (text.trim() === "") return null
  // Synthetic text is what OpenCode adds to a prompt itself (a file's content, a command's template).
  if (props.part.synthetic === true) {
    return (
      <details class="synthetic">
        <summary>added by OpenCode</summary>
        <Markdown text={text} more={fullPartHref(props.part.id)} limit={props.limit} />
      </details>
    )
  }
  return <Markdown text={text} more={fullPartHref(props.part.id)} limit={props.limit} />
}

function ReasoningPart(props: { part: Part; limit?: number }) {
  const time = recordField(props.part, "time")
  const start = numberField(time, "start")
  const end = numberField(time, "end")
  const took = start !== undefined && end !== undefined ? formatDuration(end - start) : undefined
  return (
    <details class="reasoning">
      <summary>{took === undefined ? "Thinking" : `Thought for ${took}`}</summary>
      <Markdown text={stringField(props.part, "text") ?? ""} more={fullPartHref(props.part.id)} limit={props.limit} />
    </details>
  )
}

function FilePart(props: { part: Part }) {
  const mime = stringField(props.part, "mime") ?? ""
  const url = stringField(props.part, "url") ?? ""
  const source = recordField(props.part, "source")
  const path = stringField(source, "path")
  const name = stringField(props.part, "filename") ?? (path === undefined ? "file" : shortPath(path))
  const excerpt = stringField(recordField(source, "text"), "value")
  // Only inline data is shown: a file: or http: URL names the agent's machine or a third party (and the CSP
  // would refuse it anyway).
  const preview = mime.startsWith("image/") && url.startsWith("data:image/") && url.length <= IMAGE_PREVIEW_LIMIT
  return (
    <figure class="file">
      {preview ? <img src={url} alt={name} loading="lazy" /> : null}
      <figcaption>
        <span class="badge">file</span> <span class="mono">{name}</span> <span class="muted">{mime}</span>
        {mime.startsWith("image/") && !preview && url.startsWith("data:") ? (
          <>
            {" · "}
            <a href={fullPartHref(props.part.id)}>too large to preview here; open it alone</a>
          </>
        ) : null}
      </figcaption>
      {excerpt === undefined || excerpt === "" ? null : (
        <Code text={excerpt} language={languageOfPath(path)} more={fullPartHref(props.part.id)} />
      )}
    </figure>
  )
}

function PatchPart(props: { part: Part }) {
  const files = Array.isArray(props.part.files) ? props.part.files.filter((file) => typeof file === "string") : []
  return (
    <div class="event">
      <span class="event-icon" aria-hidden="true">
        ±
      </span>{" "}
      {files.length === 0 ? "No files changed" : `Changed ${files.length === 1 ? "1 file" : `${files.length} files`}:`}{" "}
      {files.map((file, index) => (
        <>
          {index > 0 ? ", " : ""}
          <span class="mono" title={file}>
            {shortPath(file, 2)}
          </span>
        </>
      ))}
      {files.length === 0 ? null : (
        <>
          {" · "}
          <a href="#diffs">review</a>
        </>
      )}
    </div>
  )
}

function RetryPart(props: { part: Part }) {
  const error = recordField(props.part, "error")
  const message = stringField(recordField(error, "data"), "message") ?? stringField(error, "name") ?? "error"
  const attempt = numberField(props.part, "attempt")
  return (
    <div class="event warn" role="note">
      <span class="event-icon" aria-hidden="true">
        ↻
      </span>{" "}
      Retry{attempt === undefined ? "" : ` ${attempt}`}: {message}
    </div>
  )
}

function CompactionPart(props: { part: Part }) {
  const auto = props.part.auto === true
  return (
    <div class="divider">
      {auto ? "Context compacted automatically" : "Context compacted"}
      {props.part.overflow === true ? " (it overflowed)" : ""}
    </div>
  )
}

function SubtaskPart(props: { part: Part }) {
  return (
    <details class="subtask">
      <summary>
        <span class="tool-name">subtask</span>
        <span class="tool-subject">{stringField(props.part, "description") ?? ""}</span>
        {stringField(props.part, "agent") === undefined ? null : (
          <span class="badge">{stringField(props.part, "agent")}</span>
        )}
      </summary>
      <div class="tool-body">
        <Markdown text={stringField(props.part, "prompt") ?? ""} more={fullPartHref(props.part.id)} />
      </div>
    </details>
  )
}

function PartBody(props: { part: Part; limit?: number }) {
  const part = props.part
  switch (part.type) {
    case "text":
      return <TextPart part={part} limit={props.limit} />
    case "reasoning":
      return <ReasoningPart part={part} limit={props.limit} />
    case "tool":
      return <ToolPart part={part} limit={props.limit} />
    case "file":
      return <FilePart part={part} />
    case "step-start":
    case "step-finish":
      // Folded into the message's footer (tokens, cost, duration); the element stays for live updates and links.
      return null
    case "patch":
      return <PatchPart part={part} />
    case "snapshot":
      return (
        <div class="event muted">
          <span class="event-icon" aria-hidden="true">
            ◷
          </span>{" "}
          Workspace snapshot <span class="mono">{(stringField(part, "snapshot") ?? "").slice(0, 10)}</span>
        </div>
      )
    case "agent":
      return (
        <div class="event">
          Mentions the agent <span class="chip">@{stringField(part, "name") ?? "agent"}</span>
        </div>
      )
    case "subtask":
      return <SubtaskPart part={part} />
    case "retry":
      return <RetryPart part={part} />
    case "compaction":
      return <CompactionPart part={part} />
    default:
      // Types this viewer does not know yet (a newer agent): shown as data, escaped, never interpreted.
      return (
        <details class="unknown">
          <summary>{part.type}</summary>
          <Code text={prettyJson(part)} language="json" more={fullPartHref(part.id)} />
        </details>
      )
  }
}

/**
 * The body of a part as HTML, within `budget`: what is stored when the part is written (see item-html.tsx), and what
 * a view renders itself for a part stored without it (or shown whole, `limit`), with hidden characters marked.
 */
export function partBodyHtml(part: Part, budget: RenderBudget, limit?: number): string {
  return withBudget(budget, () => markHiddenCharacters(String(<PartBody part={part} limit={limit} />)))
}

/**
 * One part of a message: a pure function of the part, rendered once when the part is written; `html` is that
 * rendering when the view has it, so a view runs no markdown for it. Its id and sort key let the live script replace
 * or insert it in place. `limit` raises the text clip for the page that shows one part whole (rendered there, within
 * that page's budget).
 */
export function PartView(props: { part: Part; html?: string | undefined; limit?: number }) {
  const stored = props.limit === undefined ? props.html : undefined
  return (
    <div class={`part kind-${props.part.type}`} id={partElementId(props.part.id)} data-sort={props.part.id}>
      {raw(stored ?? partBodyHtml(props.part, nextItemBudget(), props.limit))}
    </div>
  )
}
