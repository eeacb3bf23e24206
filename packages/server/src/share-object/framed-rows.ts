import type { PageKey, RowsPage } from "./store.ts"

/** How a streamed answer writes each row: text before and after it, and between two rows of one run. */
export type RowFraming = { before: string; after: string; between: string }

/**
 * A page of rows for a streamed answer: each run of inline rows framed and encoded to bytes here, each R2 row by
 * reference. Bytes, not strings, on purpose: strings in a call's reply land in the Worker's heap as large objects
 * that only a major collection frees, and ~400 such replies (a 100 MB share) grew workerd by ~100 MB; a reply's
 * bytes are external memory, which V8 collects as it grows (bench scenario 10).
 */
export type FramedPage = { runs: (Uint8Array | { blob: string })[]; next?: PageKey }

export function framedPage(page: RowsPage, framing: RowFraming): FramedPage {
  const encoder = new TextEncoder()
  const runs: FramedPage["runs"] = []
  let run: string[] = []
  const flush = () => {
    if (run.length === 0) return
    runs.push(encoder.encode(run.join(framing.between)))
    run = []
  }
  for (const row of page.rows) {
    if (typeof row === "string") {
      run.push(`${framing.before}${row}${framing.after}`)
      continue
    }
    flush()
    runs.push(row)
  }
  flush()
  return { runs, ...(page.next === undefined ? {} : { next: page.next }) }
}
