export type DiffLine = { kind: "same" | "add" | "del" | "hunk"; text: string }

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
        !line.startsWith("---") && !line.startsWith("+++") && !line.startsWith("diff ") && !line.startsWith("index "),
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
      if (skipped > 0) out.push({ kind: "hunk", text: `⋯ ${skipped} unchanged line${skipped === 1 ? "" : "s"}` })
      skipped = 0
      out.push(line)
      return
    }
    skipped++
  })
  if (skipped > 0 && out.length > 0)
    out.push({ kind: "hunk", text: `⋯ ${skipped} unchanged line${skipped === 1 ? "" : "s"}` })
  return out
}
