import { type FileDiff, type Message, type Part, partsByMessage, type Session } from "./opencode.ts"
import type { ShareSnapshot } from "./share.ts"

/**
 * A share as a Markdown transcript, for agents and scripts (the server's `/share/:id.md`) and for people (`cloudsession
 * export --format md`): each turn's prompt, the answer's text, tool calls as one line each with their input and
 * output fenced, reasoning quoted, the changed files listed. Built from pieces so the server can stream a session
 * of any size message by message.
 */

const text = (value: unknown): string => (typeof value === "string" ? value : "")

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
}

/** Characters of one tool's input or output in the transcript; the JSON has the rest. */
const FIELD_LIMIT = 8_000

function clipped(value: string): string {
  return value.length <= FIELD_LIMIT
    ? value
    : `${value.slice(0, FIELD_LIMIT)}\n… (${value.length - FIELD_LIMIT} more characters)`
}

/** A fence longer than any backtick run in the content, so code cannot end it early. */
export function fenced(content: string, language = ""): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = "`".repeat(longest + 1)
  return `${fence}${language}\n${content}\n${fence}`
}

function toolInput(tool: string, input: Record<string, unknown>): string {
  if (tool === "bash" && typeof input.command === "string") return fenced(clipped(input.command), "sh")
  if (Object.keys(input).length === 0) return ""
  return fenced(clipped(JSON.stringify(input, null, 2)), "json")
}

function toolMarkdown(part: Part): string {
  const state = record(part.state)
  const tool = text(part.tool) || "tool"
  const status = text(state.status) || "pending"
  const title = text(state.title)
  const header = `**tool \`${tool}\`**${title === "" ? "" : ` ${title}`} _(${status})_`
  const input = toolInput(tool, record(state.input))
  const output = text(state.output) || text(state.error) || (status === "pending" ? text(state.raw) : "")
  return [header, input, output === "" ? "" : fenced(clipped(output))].filter((piece) => piece !== "").join("\n\n")
}

export function partMarkdown(part: Part): string {
  switch (part.type) {
    case "text":
      return part.synthetic === true ? "" : text(part.text)
    case "reasoning":
      return `> _thinking:_ ${text(part.text).replaceAll("\n", "\n> ")}`
    case "tool":
      return toolMarkdown(part)
    case "file":
      return `📎 ${text(part.filename) || text(record(part.source).path) || "file"} (${text(part.mime)})`
    case "patch": {
      const files = Array.isArray(part.files) ? part.files.map(String) : []
      return `_changed:_ ${files.join(", ")}`
    }
    case "subtask":
      return `**subtask** ${text(part.description)} _(${text(part.agent)})_\n\n${text(part.prompt)}`
    case "agent":
      return `_agent:_ @${text(part.name)}`
    case "retry":
      return `_retry ${String(part.attempt ?? "")}:_ ${text(record(record(part.error).data).message)}`
    case "compaction":
      return "_— context compacted —_"
    default:
      // Step markers and snapshots are bookkeeping; unknown types have no reading a transcript could promise.
      return ""
  }
}

/** One message: a heading naming who speaks, then its parts. */
export function messageMarkdown(message: Message | undefined, parts: Part[]): string {
  const role = message?.role ?? "message"
  const model = text(message?.modelID)
  const heading = role === "user" ? "## user" : `## ${role}${model === "" ? "" : ` (${model})`}`
  const body = parts
    .map(partMarkdown)
    .filter((chunk) => chunk !== "")
    .join("\n\n")
  return body === "" ? heading : `${heading}\n\n${body}`
}

export function transcriptHeading(session: Session, counts: { messages: number; parts: number }): string {
  const title = session.title?.trim() || session.id
  return `# ${title}\n\n_session \`${session.id}\`, ${counts.messages} messages, ${counts.parts} parts_`
}

export function diffsMarkdown(diffs: FileDiff[]): string {
  if (diffs.length === 0) return ""
  const lines = diffs.map(
    (diff) => `- \`${diff.file ?? diff.path ?? "?"}\` +${diff.additions ?? 0} -${diff.deletions ?? 0}`,
  )
  return `## changes\n\n${lines.join("\n")}`
}

/** The share as one Markdown document (messages in order, tool calls summarised, diffs listed). */
export function snapshotToMarkdown(snapshot: Pick<ShareSnapshot, "session" | "messages" | "parts" | "diffs">): string {
  const groups = partsByMessage(snapshot.parts)
  const sections = [
    transcriptHeading(snapshot.session, { messages: snapshot.messages.length, parts: snapshot.parts.length }),
    ...snapshot.messages.map((message) => messageMarkdown(message, groups.get(message.id) ?? [])),
    diffsMarkdown(snapshot.diffs),
  ]
  return `${sections.filter((section) => section !== "").join("\n\n")}\n`
}
