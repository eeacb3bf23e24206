import { diffKey, type FileDiff } from "@cloudsession/protocol"
import { PAGE_IDS } from "./dom-ids.ts"
import { clip, plural } from "./format.ts"
import { type DiffLine, diffLines, patchLines, withContext } from "./line-diff.ts"

/** Bound on text fed to the line differ, so a huge file cannot stall a request. */
const DIFF_TEXT_LIMIT = 200_000
/** Lines shown per file; the rest is summarised. */
const LINE_LIMIT = 400

function linesOf(diff: FileDiff): DiffLine[] {
  if (typeof diff.patch === "string") return withContext(patchLines(clip(diff.patch, DIFF_TEXT_LIMIT).text))
  const before = typeof diff.before === "string" ? diff.before : ""
  const after = typeof diff.after === "string" ? diff.after : ""
  return withContext(diffLines(clip(before, DIFF_TEXT_LIMIT).text, clip(after, DIFF_TEXT_LIMIT).text))
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
export function DiffsView(props: { diffs: FileDiff[] }) {
  return (
    <section id={PAGE_IDS.diffs} hidden={props.diffs.length === 0}>
      <h2>Changes ({plural(props.diffs.length, "file")})</h2>
      {props.diffs.map((diff) => (
        <FileDiffView diff={diff} />
      ))}
    </section>
  )
}
