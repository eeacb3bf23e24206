import { LIMITS } from "@cloudsession/protocol"
import type { MeteredSql } from "../storage/metered-sql.ts"
import { currentHtml } from "./rendered.ts"
import type { DataRow, StoredRow } from "./rows.ts"

/**
 * Which stretch of a conversation a page shows. A page holds whole turns (a user message and what followed it)
 * up to a byte budget of row JSON, so its cost follows what it shows, not the session's size:
 * - `latest`: the last turns (what a viewer came for);
 * - `before`: the turns that end just before a message (the "load earlier turns" step);
 * - `at`: the turn holding a message or a part, and what follows it (a permalink into an old turn).
 */
export type WindowAnchor = { kind: "latest" } | { kind: "before"; messageID: string } | { kind: "at"; id: string }

export type WindowRequest = {
  anchor: WindowAnchor
  maxBytes: number
  /** Time travel: only rows that existed at this version (`created_version`), when given. */
  upTo?: number
}

/** A prompt as the turn index lists it. */
export type TurnRow = { id: string; text: string; version: number }

export type WindowRows = {
  /** As stored: JSON text, or the R2 key of a row too big for SQLite (the reader fetches it). */
  messages: StoredRow[]
  parts: StoredRow[]
  turns: TurnRow[]
  /** Messages exist before the first one returned / after the last one. */
  earlier: boolean
  later: boolean
  /** False when a single turn was over the hard cap and some of its parts were left out. */
  complete: boolean
  /** Each part's HTML, in the order of `parts`: stored when it was written, or rendered now; null: the view renders. */
  partHtml: (string | null)[]
}

/** Renders (and keeps) a part read without current HTML; undefined when the read's budget is spent. */
export type LateRender = (messageID: string, id: string, row: string) => string | undefined

type PartStep = DataRow & {
  message_id: string
  id: string
  bytes: number
  html: string | null
  renderer: number | null
}

type MessageStep = DataRow & { id: string; role: string | null; bytes: number }

/**
 * What a row kept in R2 weighs in a window's budget: it is there because it is over the inline limit, and SQL cannot
 * see its size, so it counts as that limit (a window with one is over budget: its turn is shown alone).
 */
const SPILLED_WEIGHT = LIMITS.maxInlineRowBytes

/** A row's weight in SQL: the length of its JSON, or SPILLED_WEIGHT for a row in R2. */
const WEIGHT = (alias: string) => `coalesce(length(${alias}data), ${SPILLED_WEIGHT})`

function stored(row: DataRow): StoredRow {
  return row.data ?? { blob: row.blob ?? "" }
}

/** Rows looked at per query while walking messages. */
const STEP_ROWS = 64
/** A window's turns are whole unless one turn alone is over this many times the budget. */
const HARD_CAP_FACTOR = 4
/** Turns the index lists at most (a session with more lists the latest ones). */
export const TURN_INDEX_LIMIT = 2_000
/** Characters of a prompt the index reads (it shows fewer). */
const TURN_TEXT_CHARS = 200

/**
 * Reads a window of a share's conversation. Synchronous SQL in the share's Durable Object: messages are walked
 * from the anchor one indexed page at a time, each weighed with its parts (`part_message` index), until the
 * budget is spent at a turn boundary.
 */
export class WindowReader {
  private readonly sql: MeteredSql

  constructor(sql: MeteredSql) {
    this.sql = sql
  }

  read(request: WindowRequest, late: LateRender): WindowRows {
    const upTo = request.upTo ?? Number.MAX_SAFE_INTEGER
    const steps =
      request.anchor.kind === "at"
        ? this.forward(this.turnStart(request.anchor.id, upTo), request.maxBytes, upTo)
        : this.backward(request.anchor.kind === "before" ? request.anchor.messageID : undefined, request.maxBytes, upTo)
    // Every turn, whatever the version shown: a replay steps through all of them.
    const turns = this.turns()
    if (steps.length === 0) {
      const orphans = this.orphanParts(upTo)
      return {
        messages: [],
        parts: orphans,
        turns,
        earlier: false,
        later: false,
        complete: true,
        partHtml: orphans.map(() => null),
      }
    }
    const first = steps[0]?.id ?? ""
    const last = steps.at(-1)?.id ?? ""
    const later = this.exists("SELECT 1 AS hit FROM message WHERE id > ? AND created_version <= ? LIMIT 1", last, upTo)
    const earlier = this.exists(
      "SELECT 1 AS hit FROM message WHERE id < ? AND created_version <= ? LIMIT 1",
      first,
      upTo,
    )
    const cap = request.maxBytes * HARD_CAP_FACTOR
    // Parts of the window's messages; at the end of the session also parts whose message has not arrived yet.
    // Taken one at a time: once the cap is reached, the rows after are not read.
    const columns = `message_id, id, data, blob, html, renderer, ${WEIGHT("")} AS bytes`
    const parts = later
      ? this.sql.each<PartStep>(
          `SELECT ${columns} FROM part WHERE message_id >= ? AND message_id <= ? AND created_version <= ?
            ORDER BY message_id, id`,
          first,
          last,
          upTo,
        )
      : this.sql.each<PartStep>(
          `SELECT ${columns} FROM part WHERE message_id >= ? AND created_version <= ? ORDER BY message_id, id`,
          first,
          upTo,
        )
    const kept: StoredRow[] = []
    const partHtml: (string | null)[] = []
    const pending: { index: number; part: PartStep }[] = []
    let bytes = 0
    let complete = true
    for (const part of parts) {
      bytes += part.bytes
      // The first part is always shown, so a turn made of one huge part (one kept in R2) is not an empty page.
      if (bytes > cap && kept.length > 0) {
        complete = false
        break
      }
      kept.push(stored(part))
      const html = currentHtml(part)
      partHtml.push(html ?? null)
      if (html === undefined && part.data !== null) pending.push({ index: partHtml.length - 1, part })
    }
    // Once the query is done: a late render writes the row it renders.
    for (const { index, part } of pending) partHtml[index] = late(part.message_id, part.id, part.data ?? "") ?? null
    return { messages: steps.map(stored), parts: kept, turns, earlier, later, complete, partHtml }
  }

  /** Walks back from `before` (exclusive; the end when absent), keeping whole turns while the budget lasts. */
  private backward(before: string | undefined, maxBytes: number, upTo: number): MessageStep[] {
    const kept: MessageStep[] = []
    let bytes = 0
    let cursor = before
    for (;;) {
      const batch = this.sql.all<MessageStep>(
        `SELECT id, data, blob, json_extract(data, '$.role') AS role,
          ${WEIGHT("m.")} + (SELECT coalesce(sum(${WEIGHT("p.")}), 0) FROM part p WHERE p.message_id = m.id
            AND p.created_version <= ?) AS bytes
        FROM message m WHERE (? IS NULL OR id < ?) AND created_version <= ? ORDER BY id DESC LIMIT ?`,
        upTo,
        cursor ?? null,
        cursor ?? null,
        upTo,
        STEP_ROWS,
      )
      for (const step of batch) {
        kept.unshift(step)
        bytes += step.bytes
        // Stop at the start of a turn once the budget is spent, or anywhere once a single turn is far over it.
        if ((bytes >= maxBytes && step.role === "user") || bytes >= maxBytes * HARD_CAP_FACTOR) return kept
      }
      if (batch.length < STEP_ROWS) return kept
      cursor = batch.at(-1)?.id
    }
  }

  /** Walks forward from `start` (inclusive), keeping whole turns while the budget lasts. */
  private forward(start: string, maxBytes: number, upTo: number): MessageStep[] {
    const kept: MessageStep[] = []
    let bytes = 0
    let cursor = start
    let inclusive = true
    for (;;) {
      const batch = this.sql.all<MessageStep>(
        `SELECT id, data, blob, json_extract(data, '$.role') AS role,
          ${WEIGHT("m.")} + (SELECT coalesce(sum(${WEIGHT("p.")}), 0) FROM part p WHERE p.message_id = m.id
            AND p.created_version <= ?) AS bytes
        FROM message m WHERE (id > ? OR (? AND id = ?)) AND created_version <= ? ORDER BY id LIMIT ?`,
        upTo,
        cursor,
        inclusive ? 1 : 0,
        cursor,
        upTo,
        STEP_ROWS,
      )
      for (const step of batch) {
        // The next turn starts here: stop before it once the budget is spent.
        if (kept.length > 0 && step.role === "user" && bytes >= maxBytes) return kept
        kept.push(step)
        bytes += step.bytes
        if (bytes >= maxBytes * HARD_CAP_FACTOR) return kept
      }
      if (batch.length < STEP_ROWS) return kept
      cursor = batch.at(-1)?.id ?? cursor
      inclusive = false
    }
  }

  /** The user message that opens the turn holding `id` (a message's or a part's id); "" for the very start. */
  private turnStart(id: string, upTo: number): string {
    const owner = this.sql.first<{ message_id: string }>("SELECT message_id FROM part WHERE id = ?", id)
    const messageID = owner?.message_id ?? id
    const start = this.sql.first<{ id: string }>(
      `SELECT id FROM message WHERE id <= ? AND json_extract(data, '$.role') = 'user' AND created_version <= ?
        ORDER BY id DESC LIMIT 1`,
      messageID,
      upTo,
    )
    return start?.id ?? ""
  }

  /** Every prompt (the latest TURN_INDEX_LIMIT), with the start of its first text part and its first version. */
  private turns(): TurnRow[] {
    const rows = this.sql.all<TurnRow>(
      `SELECT id, created_version AS version, coalesce((SELECT substr(json_extract(p.data, '$.text'), 1, ?) FROM part p
          WHERE p.message_id = m.id AND json_extract(p.data, '$.type') = 'text'
          ORDER BY p.id LIMIT 1), '') AS text
        FROM message m WHERE json_extract(data, '$.role') = 'user' ORDER BY id DESC LIMIT ?`,
      TURN_TEXT_CHARS,
      TURN_INDEX_LIMIT,
    )
    return rows.reverse()
  }

  /** A share whose parts arrived before any message: show them rather than nothing. */
  private orphanParts(upTo: number): StoredRow[] {
    return this.sql
      .all<DataRow>(
        "SELECT data, blob FROM part WHERE created_version <= ? ORDER BY message_id, id LIMIT ?",
        upTo,
        STEP_ROWS * 4,
      )
      .map(stored)
  }

  private exists(query: string, ...bindings: (string | number)[]): boolean {
    return this.sql.first(query, ...bindings) !== undefined
  }
}
