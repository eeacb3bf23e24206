import { type Message, type Part, partsByMessage, type ShareSnapshot } from "@cloudsession/protocol"

const text = (value: unknown): string => (typeof value === "string" ? value : "")

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
}

/** A fence longer than any backtick run in the content, so code cannot end it early. */
function fenced(content: string, language = ""): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = "`".repeat(longest + 1)
  return `${fence}${language}\n${content}\n${fence}`
}

function renderPart(part: Part): string {
  if (part.type === "text") return text(part.text)
  if (part.type === "reasoning") return `> _thinking:_ ${text(part.text).replaceAll("\n", "\n> ")}`
  if (part.type === "tool") {
    const state = record(part.state)
    const title = text(state.title) || text(part.tool)
    const output = text(state.output)
    const header = `**tool \`${text(part.tool)}\`** ${title} _(${text(state.status) || "unknown"})_`
    return output === "" ? header : `${header}\n\n${fenced(output)}`
  }
  if (part.type === "file") return `📎 ${text(part.filename) || text(part.url)}`
  if (part.type === "patch") {
    const files = Array.isArray(part.files) ? part.files.map(String) : []
    return `_patch:_ ${files.join(", ")}`
  }
  return ""
}

function renderMessage(message: Message, parts: Part[]): string {
  const body = parts
    .map(renderPart)
    .filter((chunk) => chunk !== "")
    .join("\n\n")
  return `## ${message.role}\n\n${body}`
}

/** The share as a readable Markdown transcript (messages in order, tool calls summarised, diffs listed). */
export function snapshotToMarkdown(snapshot: Pick<ShareSnapshot, "session" | "messages" | "parts" | "diffs">): string {
  const byMessage = partsByMessage(snapshot.parts)
  const title = snapshot.session.title ?? snapshot.session.id
  const sections = [
    `# ${title}`,
    `_session \`${snapshot.session.id}\`, ${snapshot.messages.length} messages, ${snapshot.parts.length} parts_`,
    ...snapshot.messages.map((message) => renderMessage(message, byMessage.get(message.id) ?? [])),
  ]
  if (snapshot.diffs.length > 0) {
    const lines = snapshot.diffs.map(
      (diff) => `- \`${diff.file ?? diff.path ?? "?"}\` +${diff.additions ?? 0} -${diff.deletions ?? 0}`,
    )
    sections.push(`## changes\n\n${lines.join("\n")}`)
  }
  return `${sections.join("\n\n")}\n`
}
