import type { SyncCost } from "@cloudsession/protocol"

type SqlValue = string | number | null

/**
 * Thin wrapper over the Durable Object's SQL API that adds up rows read and written, so a sync can report what it
 * cost (tests and benchmarks assert O(batch) on these counters instead of on wall time).
 */
export class MeteredSql {
  private readonly sql: SqlStorage
  private read = 0
  private written = 0
  private bytes = 0

  constructor(sql: SqlStorage) {
    this.sql = sql
  }

  all<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlValue[]): Row[] {
    const cursor = this.sql.exec<Row>(query, ...bindings)
    const rows = cursor.toArray()
    this.read += cursor.rowsRead
    this.written += cursor.rowsWritten
    if (cursor.rowsWritten > 0) this.bytes += bindingBytes(bindings)
    return rows
  }

  /**
   * The rows of `query` one at a time, as the caller takes them: a caller that stops early (a page that is full)
   * has not made SQLite read, nor the Worker hold, the rows after. Metered once iteration ends.
   */
  *each<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlValue[]): Generator<Row> {
    const cursor = this.sql.exec<Row>(query, ...bindings)
    try {
      for (;;) {
        const next = cursor.next()
        if (next.done === true) return
        yield next.value
      }
    } finally {
      this.read += cursor.rowsRead
      this.written += cursor.rowsWritten
      if (cursor.rowsWritten > 0) this.bytes += bindingBytes(bindings)
    }
  }

  first<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlValue[]): Row | undefined {
    return this.all<Row>(query, ...bindings)[0]
  }

  /** A statement that always yields a row (e.g. `INSERT … RETURNING`); a missing row is a bug, not an outcome. */
  one<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlValue[]): Row {
    const row = this.first<Row>(query, ...bindings)
    if (row === undefined) throw new Error("statement returned no row")
    return row
  }

  run(query: string, ...bindings: SqlValue[]): void {
    this.all(query, ...bindings)
  }

  /** Cost accumulated since the last call, then reset. */
  takeCost(): SyncCost {
    const cost = { rowsRead: this.read, rowsWritten: this.written, bytesWritten: this.bytes }
    this.read = 0
    this.written = 0
    this.bytes = 0
    return cost
  }
}

const encoder = new TextEncoder()

function bindingBytes(bindings: SqlValue[]): number {
  return bindings.reduce<number>((total, value) => {
    if (typeof value === "string") return total + encoder.encode(value).byteLength
    return total + (value === null ? 0 : 8)
  }, 0)
}
