import { markHiddenCharacters } from "../render/html.ts"
import type { PageView } from "../service/page-reader.ts"
import { MessageView } from "./message-view.tsx"
import { type PageWindow, threadsOf } from "./session-detail.tsx"
import { turnLabel } from "./turn-index.tsx"

/**
 * True when a client asks for Markdown over HTML (`Accept: text/markdown`, as agents do): text/markdown is listed
 * and text/html is not preferred to it. A browser's Accept names text/html first and never text/markdown.
 */
export function wantsMarkdown(accept: string | undefined): boolean {
  if (accept === undefined) return false
  const quality = (type: string) => {
    for (const entry of accept.toLowerCase().split(",")) {
      const [name = "", ...params] = entry.trim().split(";")
      if (name.trim() !== type) continue
      const q = params.map((param) => param.trim()).find((param) => param.startsWith("q="))
      return q === undefined ? 1 : Number(q.slice(2)) || 0
    }
    return -1
  }
  const markdown = quality("text/markdown")
  return markdown > 0 && markdown >= quality("text/html")
}

/**
 * The versions a replay steps through: the share as it stood when each turn was done (just before the next turn's
 * prompt arrived), the last one being the share as it is. Turns synced in one batch share a version and one step.
 */
export function replaySteps(turnVersions: number[], latest: number): number[] {
  const ends = turnVersions.slice(1).map((version) => Math.max(0, version - 1))
  // Version 0 is the empty share: where a replay starts.
  return [...new Set([0, ...ends, latest])].filter((version) => version <= latest).sort((a, b) => a - b)
}

/** How a page read (page-reader.ts) is shown: which turns are here, what comes before and after, which version. */
export function windowOf(page: PageView): PageWindow {
  const loaded = new Set(page.snapshot.messages.map((message) => message.id))
  const latest = page.snapshot.metadata.version
  const shown = page.upTo ?? latest
  const steps = replaySteps(
    page.turns.map((turn) => turn.version),
    latest,
  )
  return {
    // The index lists the turns that existed at the version shown.
    turns: page.turns
      .filter((turn) => turn.version <= shown)
      .map((turn) => ({ messageID: turn.id, label: turnLabel(turn.text), loaded: loaded.has(turn.id) })),
    earlierThan: page.earlier ? page.snapshot.messages[0]?.id : undefined,
    laterExists: page.later,
    replay: { steps, shown, latest },
    timeTravel: page.upTo !== undefined,
  }
}

/**
 * The messages before a point, rendered for the live script to put in front of the page's first message: parts from
 * the HTML stored when they were written, hidden characters marked. Synchronous, so what has no stored HTML draws on
 * the caller's render budget.
 */
export function earlierTurns(page: PageView): { html: string; earlierThan?: string } {
  const threads = threadsOf(page.snapshot.messages, page.snapshot.parts)
  const html = threads.map((thread) =>
    markHiddenCharacters(
      String(<MessageView id={thread.id} message={thread.message} parts={thread.parts} html={page.html.parts} />),
    ),
  )
  const first = page.snapshot.messages[0]?.id
  return page.earlier && first !== undefined ? { html: html.join(""), earlierThan: first } : { html: html.join("") }
}
