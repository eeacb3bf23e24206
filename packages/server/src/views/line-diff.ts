/** A line of a diff; a `hunk` marker that stands for unchanged lines left out says how many (`skipped`). */
export type DiffLine = { kind: "same" | "add" | "del" | "hunk"; text: string; skipped?: number }

/** Above this many line pairs the LCS table is too big for a request; such diffs show as whole-file replace. */
const MAX_CELLS = 4_000_000

function splitLines(text: string): string[] {
  if (text === "") return []
  const lines = text.split("\n")
  // A trailing newline ends the last line; it does not start an empty one.
  if (lines.at(-1) === "") lines.pop()
  return lines
}

/**
 * Line diff of two texts (before/after snapshot diffs), by longest common subsequence. Quadratic, so it is bounded:
 * past MAX_CELLS (or what `affordCells` refuses: the render budget of the whole diff set) it reports every old line
 * removed and every new line added, which is still a correct diff.
 */
export function diffLines(
  before: string,
  after: string,
  affordCells: (cells: number) => boolean = () => true,
): DiffLine[] {
  const a = splitLines(before)
  const b = splitLines(after)
  if (a.length * b.length > MAX_CELLS || !affordCells(a.length * b.length)) {
    return [...a.map((text) => ({ kind: "del" as const, text })), ...b.map((text) => ({ kind: "add" as const, text }))]
  }
  const width = b.length + 1
  // lengths[i * width + j]: LCS length of a[i..] and b[j..].
  const lengths = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const left = a[i] ?? ""
    const right = b[j] ?? ""
    if (left === right) {
      out.push({ kind: "same", text: left })
      i++
      j++
      continue
    }
    if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      out.push({ kind: "del", text: left })
      i++
      continue
    }
    out.push({ kind: "add", text: right })
    j++
  }
  for (; i < a.length; i++) out.push({ kind: "del", text: a[i] ?? "" })
  for (; j < b.length; j++) out.push({ kind: "add", text: b[j] ?? "" })
  return out
}

/** Lines of a unified patch (newer agents send `patch`), classified by their first character. */
export function patchLines(patch: string): DiffLine[] {
  return splitLines(patch)
    .filter(
      (line) =>
        !line.startsWith("---") &&
        !line.startsWith("+++") &&
        !line.startsWith("diff ") &&
        !line.startsWith("index ") &&
        // jsdiff's createPatch (OpenCode's edit tool) heads a patch with `Index: file` and a rule of `=`.
        !line.startsWith("Index: ") &&
        !/^={8,}$/.test(line),
    )
    .map((line) => {
      if (line.startsWith("@@")) return { kind: "hunk" as const, text: line }
      if (line.startsWith("+")) return { kind: "add" as const, text: line.slice(1) }
      if (line.startsWith("-")) return { kind: "del" as const, text: line.slice(1) }
      return { kind: "same" as const, text: line.startsWith(" ") ? line.slice(1) : line }
    })
}

/**
 * Keep changed lines and `context` lines around them; long unchanged runs collapse into a hunk marker so a
 * one-line edit in a big file reads as one line, not the whole file.
 */
export function withContext(lines: DiffLine[], context = 3): DiffLine[] {
  const keep = lines.map((line) => line.kind !== "same")
  const near = lines.map((_, index) => {
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) {
      if (keep[k]) return true
    }
    return false
  })
  const out: DiffLine[] = []
  let skipped = 0
  lines.forEach((line, index) => {
    if (near[index]) {
      if (skipped > 0) out.push(skippedMarker(skipped))
      skipped = 0
      out.push(line)
      return
    }
    skipped++
  })
  if (skipped > 0 && out.length > 0) out.push(skippedMarker(skipped))
  return out
}

function skippedMarker(skipped: number): DiffLine {
  return { kind: "hunk", text: `⋯ ${skipped} unchanged line${skipped === 1 ? "" : "s"}`, skipped }
}

/** A diff line with its numbers in the old and the new file (absent on the side it does not exist on). */
export type NumberedLine = DiffLine & { old?: number; new?: number }

/**
 * Line numbers for both sides: counted from 1, moved on by a patch's `@@ -a,b +c,d @@` headers and by markers
 * of skipped unchanged lines.
 */
export function numberLines(lines: DiffLine[]): NumberedLine[] {
  let old = 1
  let next = 1
  return lines.map((line) => {
    if (line.kind === "hunk") {
      const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line.text)
      if (header !== null) {
        old = Number(header[1])
        next = Number(header[2])
      }
      old += line.skipped ?? 0
      next += line.skipped ?? 0
      return line
    }
    if (line.kind === "add") return { ...line, new: next++ }
    if (line.kind === "del") return { ...line, old: old++ }
    return { ...line, old: old++, new: next++ }
  })
}

/** A row of a side-by-side view: the old line on the left, the new on the right (either may be empty). */
export type SplitRow = { hunk?: string; left?: NumberedLine; right?: NumberedLine }

/** Pairs a run of removed lines with the run of added lines after it, so a changed line sits beside its new text. */
export function splitRows(lines: NumberedLine[]): SplitRow[] {
  const rows: SplitRow[] = []
  let index = 0
  while (index < lines.length) {
    const line = lines[index] as NumberedLine
    if (line.kind === "hunk") {
      rows.push({ hunk: line.text })
      index++
      continue
    }
    if (line.kind === "same") {
      rows.push({ left: line, right: line })
      index++
      continue
    }
    const removed: NumberedLine[] = []
    const added: NumberedLine[] = []
    while (index < lines.length && lines[index]?.kind === "del") removed.push(lines[index++] as NumberedLine)
    while (index < lines.length && lines[index]?.kind === "add") added.push(lines[index++] as NumberedLine)
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push({ left: removed[k], right: added[k] })
  }
  return rows
}
