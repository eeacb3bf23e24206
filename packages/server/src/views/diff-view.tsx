import { diffKey, type FileDiff } from "@cloudsession/protocol"
import { raw } from "hono/html"
import type { RenderBudget } from "../render/budget.ts"
import { activeBudget, nextItemBudget, withBudget } from "../render/context.ts"
import { markHiddenCharacters } from "../render/html.ts"
import { PAGE_IDS } from "./dom-ids.ts"
import { clip, plural } from "./format.ts"
import { type DiffLine, diffLines, patchLines, withContext } from "./line-diff.ts"

/** Bound on text fed to the line differ, so a huge file cannot stall a request. */
const DIFF_TEXT_LIMIT = 200_000
/** Lines shown per file; the rest is summarised. */
const LINE_LIMIT = 400

/** LCS cells the line differ fills per render-budget unit (about 10 µs of work either way). */
const CELLS_PER_UNIT = 1000

function linesOf(diff: FileDiff): DiffLine[] {
  if (typeof diff.patch === "string") return withContext(patchLines(clip(diff.patch, DIFF_TEXT_LIMIT).text))
  const before = typeof diff.before === "string" ? diff.before : ""
  const after = typeof diff.after === "string" ? diff.after : ""
  const budget = activeBudget()
  return withContext(
    diffLines(clip(before, DIFF_TEXT_LIMIT).text, clip(after, DIFF_TEXT_LIMIT).text, (cells) =>
      budget.trySpend(Math.ceil(cells / CELLS_PER_UNIT)),
    ),
  )
}

function FileDiffView(props: { diff: FileDiff }) {
  const lines = linesOf(props.diff)
  const shown = lines.slice(0, LINE_LIMIT)
  return (
    <div class="diff" data-file={diffKey(props.diff)}>
      <div class="head">
        <span>{diffKey(props.diff)}</span>
        <span>
          <span class="plus">+{props.diff.additions ?? 0}</span> <span class="minus">-{props.diff.deletions ?? 0}</span>
        </span>
      </div>
      {shown.length === 0 ? null : (
        <pre class="lines">
          {shown.map((line) => (
            <span class={line.kind}>{line.text}</span>
          ))}
        </pre>
      )}
      {lines.length > LINE_LIMIT ? <p class="muted">… {lines.length - LINE_LIMIT} more lines not shown</p> : null}
    </div>
  )
}

/** The session's current diff (the whole set; a sync that changes it replaces this section). */
/** One file of the session diff as HTML, within `budget` (its line diff draws from it). */
export function diffFileHtml(diff: FileDiff, budget: RenderBudget): string {
  return withBudget(budget, () => markHiddenCharacters(String(<FileDiffView diff={diff} />)))
}

export function DiffsView(props: { diffs: FileDiff[]; html?: (string | undefined)[] }) {
  return (
    <section id={PAGE_IDS.diffs} hidden={props.diffs.length === 0}>
      <h2>Changes ({plural(props.diffs.length, "file")})</h2>
      {props.diffs.map((diff, index) => {
        // The HTML stored when the diff was written, when there is one: a view does not diff again.
        const stored = props.html?.[index]
        return raw(stored ?? diffFileHtml(diff, nextItemBudget()))
      })}
    </section>
  )
}
