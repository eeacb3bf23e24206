import { type FileDiff, LIMITS, type Part } from "@cloudsession/protocol"
import { RENDER_UNITS, RenderBudget } from "../render/budget.ts"
import { itemRenderer } from "../render/item-renderer.ts"
import type { MeteredSql } from "../storage/metered-sql.ts"
import type { RowData } from "./rows.ts"

/**
 * Most UTF-8 bytes of HTML stored for one item. It shares its SQLite row with the item's JSON (at most
 * `maxInlineRowBytes`), and a Durable Object's SQLite refuses rows over 2 MB. The renderers clip long text well
 * before this (a text of any length, even one whose JSON lives in R2, renders to a few hundred KB), so only an
 * unusual item gets here, and it is rendered at view time instead, under the page's budget.
 */
const MAX_STORED_HTML_BYTES = 2_000_000 - LIMITS.maxInlineRowBytes - 50_000

const encoder = new TextEncoder()

/** A budget for one write (one sync) or one read. */
export function renderBudget(kind: "write" | "read"): RenderBudget {
  return new RenderBudget(RENDER_UNITS[kind])
}

/** One item's HTML under a whole per-item budget drawn from `budget`, or undefined when `budget` cannot give one. */
function render(budget: RenderBudget, renderItem: (item: RenderBudget) => string): string | undefined {
  if (budget.remaining < RENDER_UNITS.item) return undefined
  const html = renderItem(budget.child(RENDER_UNITS.item))
  // Cheap test first: a UTF-16 length this small is that many bytes at most three times over.
  if (html.length * 3 <= MAX_STORED_HTML_BYTES) return html
  return encoder.encode(html).byteLength > MAX_STORED_HTML_BYTES ? undefined : html
}

/** A part's HTML, made where the part is parsed (the Worker, as it takes a sync's items), within `budget`. */
export function renderPart(part: Part, budget: RenderBudget): string | undefined {
  return render(budget, (item) => itemRenderer().part(part, item))
}

/** A diff file's HTML, made where the diff is parsed, within `budget`. */
export function renderDiff(diff: FileDiff, budget: RenderBudget): string | undefined {
  return render(budget, (item) => itemRenderer().diff(diff, item))
}

/** The renderer version stored with HTML, or null with no HTML. */
export function rendererOf(html: string | undefined): number | null {
  return html === undefined ? null : itemRenderer().version
}

/** Stored HTML, when the current renderer made it (older HTML is rendered again). */
export function currentHtml(row: { html: string | null; renderer: number | null }): string | undefined {
  if (row.html === null || row.renderer !== itemRenderer().version) return undefined
  return row.html
}

/** A diff entry as the Durable Object writes it: the row, and the HTML the Worker made for it, if any. */
export type DiffEntry = { key: string; data: RowData; html?: string }

/** A diff file's row before the set was replaced. */
export type PreviousDiff = { data: string | null; html: string | null; renderer: number | null }

/**
 * HTML kept in the rows it renders (schema step 5: `html` and `renderer` columns of `part` and `diff`), so a page
 * view reads it instead of rendering.
 *
 * Parts are rendered by the Worker as it takes a sync's items, under one budget for the sync, and written with the
 * part. Diff files are rendered by the object, since only it knows which files of the resent set changed (OpenCode
 * sends the whole set on every change, most of it the same); a file whose JSON lives in R2 comes with the Worker's
 * HTML. An item no budget covered is stored without HTML and rendered when first read, under the read's budget (or,
 * for a part in R2, by the view from the row it reads anyway), so a batch of costly markdown holds nothing for long.
 */
export class RenderedItems {
  private readonly sql: MeteredSql

  constructor(sql: MeteredSql) {
    this.sql = sql
  }

  /**
   * The HTML a diff file of a replaced set is stored with: the Worker's, else the previous HTML when the file did
   * not change, else rendered now while `budget` lasts.
   */
  diffHtml(entry: DiffEntry, previous: PreviousDiff | undefined, budget: RenderBudget): string | undefined {
    if (entry.html !== undefined) return entry.html
    if (!("text" in entry.data)) return undefined
    if (previous !== undefined && previous.data === entry.data.text) {
      const kept = currentHtml(previous)
      if (kept !== undefined) return kept
    }
    return renderDiff(JSON.parse(entry.data.text) as FileDiff, budget)
  }

  /** A part read without current HTML, inline: render it now (within `budget`) and keep what was made. */
  latePart(messageID: string, id: string, row: string, budget: RenderBudget): string | undefined {
    const html = renderPart(JSON.parse(row) as Part, budget)
    if (html === undefined) return undefined
    this.sql.run(
      "UPDATE part SET html = ?, renderer = ? WHERE message_id = ? AND id = ?",
      html,
      itemRenderer().version,
      messageID,
      id,
    )
    return html
  }

  /** A diff file read without current HTML, inline: render it now (within `budget`) and keep what was made. */
  lateDiff(file: string, row: string, budget: RenderBudget): string | undefined {
    const html = renderDiff(JSON.parse(row) as FileDiff, budget)
    if (html === undefined) return undefined
    this.sql.run("UPDATE diff SET html = ?, renderer = ? WHERE file = ?", html, itemRenderer().version, file)
    return html
  }
}
