import { diffKey, type FileDiff } from "@cloudsession/protocol"
import { raw } from "hono/html"
import type { RenderBudget } from "../render/budget.ts"
import { activeBudget, nextItemBudget, withBudget } from "../render/context.ts"
import { highlight, languageOfPath } from "../render/highlight.ts"
import { markHiddenCharacters } from "../render/html.ts"
import { DIFF_PAGE_CHARS } from "../settings/limits.ts"
import { diffElementId, PAGE_IDS } from "./dom-ids.ts"
import { clip, plural, stringField } from "./format.ts"
import {
  type DiffLine,
  diffLines,
  type NumberedLine,
  numberLines,
  patchLines,
  splitRows,
  withContext,
} from "./line-diff.ts"

/** Bound on text fed to the line differ, so a huge file cannot stall a request. */
const DIFF_TEXT_LIMIT = 200_000
/** Lines shown per file; the rest is summarised. */
const LINE_LIMIT = 400
/** Characters shown of one line (minified files have lines of megabytes). */
const LINE_CHARS = 2_000
/** Files whose lines are rendered; later ones are listed only, so a huge change set stays a bounded page. */
const FILE_LIMIT = 60
/** Files shown open; the others start collapsed. */
const OPEN_FILES = 12
/** LCS cells the line differ fills per render-budget unit (about 10 µs of work either way). */
const CELLS_PER_UNIT = 1000

/**
 * The lines of a change from `before` to `after`, bounded: each side clipped, and the line differ's table drawn from
 * the render budget of the item being rendered (past it, every old line is shown removed and every new one added).
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const budget = activeBudget()
  return withContext(
    diffLines(clip(before, DIFF_TEXT_LIMIT).text, clip(after, DIFF_TEXT_LIMIT).text, (cells) =>
      budget.trySpend(Math.ceil(cells / CELLS_PER_UNIT)),
    ),
  )
}

function linesOf(diff: FileDiff): DiffLine[] {
  if (typeof diff.patch === "string") return withContext(patchLines(clip(diff.patch, DIFF_TEXT_LIMIT).text))
  const before = typeof diff.before === "string" ? diff.before : ""
  const after = typeof diff.after === "string" ? diff.after : ""
  return lineDiff(before, after)
}

/** `added`, `deleted` or `modified`: from the agent's `status`, else from which side is empty. */
export function changeOf(diff: FileDiff): "added" | "deleted" | "modified" {
  const status = stringField(diff, "status")
  if (status === "added" || status === "deleted") return status
  if (diff.before === "" && typeof diff.after === "string" && diff.after !== "") return "added"
  if (diff.after === "" && typeof diff.before === "string" && diff.before !== "") return "deleted"
  return "modified"
}

/** Highlighted HTML of each line, computed once and used by both views. */
function highlighter(language: string | undefined) {
  const cache = new Map<NumberedLine, string | undefined>()
  return (line: NumberedLine | undefined) => {
    if (line === undefined) return null
    if (!cache.has(line)) cache.set(line, highlight(clip(line.text, LINE_CHARS).text, language))
    const html = cache.get(line)
    if (html === undefined) return clip(line.text, LINE_CHARS).text
    return <span dangerouslySetInnerHTML={{ __html: html }} />
  }
}

function Head(props: { split: boolean }) {
  return (
    <thead class="sr-only">
      {props.split ? (
        <tr>
          <th>old line</th>
          <th>before</th>
          <th>new line</th>
          <th>after</th>
        </tr>
      ) : (
        <tr>
          <th>old line</th>
          <th>new line</th>
          <th>change</th>
          <th>code</th>
        </tr>
      )}
    </thead>
  )
}

const SIGN = { add: "+", del: "-", same: " ", hunk: "" }

/**
 * One file's lines as a table, unified (one column of code, +/- marked) or split (before | after). Line numbers
 * are cells a reader's copy can skip (CSS `user-select: none`).
 */
export function DiffTable(props: { lines: DiffLine[]; language?: string; mode: "unified" | "split" }) {
  const numbered = numberLines(props.lines.slice(0, LINE_LIMIT))
  const code = highlighter(props.language)
  const rest = props.lines.length - numbered.length
  const table =
    props.mode === "unified" ? (
      <table class="dt unified">
        <Head split={false} />
        <tbody>
          {numbered.map((line) =>
            line.kind === "hunk" ? (
              <tr class="hunk">
                <td colspan={4}>{line.text}</td>
              </tr>
            ) : (
              <tr class={line.kind}>
                <td class="ln">{line.old ?? ""}</td>
                <td class="ln">{line.new ?? ""}</td>
                <td class="sign">{SIGN[line.kind]}</td>
                <td class="src">{code(line)}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    ) : (
      <table class="dt split">
        <Head split={true} />
        <tbody>
          {splitRows(numbered).map((row) =>
            row.hunk !== undefined ? (
              <tr class="hunk">
                <td colspan={4}>{row.hunk}</td>
              </tr>
            ) : (
              <tr>
                <td class="ln">{row.left?.old ?? ""}</td>
                <td class={`src ${row.left === undefined ? "none" : row.left.kind}`}>{code(row.left)}</td>
                <td class="ln">{row.right?.new ?? ""}</td>
                <td class={`src ${row.right === undefined ? "none" : row.right.kind}`}>{code(row.right)}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    )
  return (
    // Focusable, so a keyboard can scroll a wide diff sideways.
    <section class={`diff-lines ${props.mode}`} tabindex={0} aria-label={`${props.mode} diff`}>
      {table}
      {rest > 0 ? <p class="clip">… {rest} more lines not shown</p> : null}
    </section>
  )
}

function Counts(props: { additions: number; deletions: number }) {
  return (
    <span class="counts">
      <span class="plus">+{props.additions}</span> <span class="minus">−{props.deletions}</span>
    </span>
  )
}

function FileDiffView(props: { diff: FileDiff }) {
  const file = diffKey(props.diff)
  const lines = linesOf(props.diff)
  const language = languageOfPath(file)
  const change = changeOf(props.diff)
  return (
    <details class="file-diff" id={diffElementId(file)} data-file={file}>
      <summary>
        <span class="path">{file}</span>
        <span class={`badge change-${change}`}>{change}</span>
        <Counts additions={props.diff.additions ?? 0} deletions={props.diff.deletions ?? 0} />
      </summary>
      {lines.length === 0 ? (
        <p class="muted">No line changes to show.</p>
      ) : (
        <>
          <DiffTable lines={lines} language={language} mode="unified" />
          <DiffTable lines={lines} language={language} mode="split" />
        </>
      )}
    </details>
  )
}

/**
 * One file of the session diff as HTML, within `budget` (its line diff and highlighting draw from it), collapsed:
 * what is stored when the diff is written (see item-html.tsx), and what a view renders for a file stored without it.
 */
export function diffFileHtml(diff: FileDiff, budget: RenderBudget): string {
  return withBudget(budget, () => markHiddenCharacters(String(<FileDiffView diff={diff} />)))
}

/** The markup a file's HTML starts with (FileDiffView), and the same shown open. */
const COLLAPSED = '<details class="file-diff"'
const OPEN = '<details class="file-diff" open=""'

/** A file's HTML (stored, or rendered now within the page's budget), open when it is one of the first files. */
function fileHtml(diff: FileDiff, stored: string | undefined, index: number): string {
  const html = stored ?? diffFileHtml(diff, nextItemBudget())
  return index < OPEN_FILES && html.startsWith(COLLAPSED) ? OPEN + html.slice(COLLAPSED.length) : html
}

/**
 * The review of the session's changes (the whole current diff; a sync that changes it replaces this section):
 * a file list with +/− counts, then each file, collapsible, in a unified or a split view. The view switch is a
 * pair of radio buttons that the stylesheet reads (`:checked ~`), so it needs no script and no inline handler.
 */
export function DiffsView(props: { diffs: FileDiff[]; html?: (string | undefined)[] }) {
  const additions = props.diffs.reduce((total, diff) => total + (diff.additions ?? 0), 0)
  const deletions = props.diffs.reduce((total, diff) => total + (diff.deletions ?? 0), 0)
  const shown: string[] = []
  let chars = 0
  // With stored HTML, the files it covers (the storage read stopped at the page's share of diff HTML).
  const files = props.diffs.slice(0, Math.min(FILE_LIMIT, props.html?.length ?? FILE_LIMIT))
  for (const [index, diff] of files.entries()) {
    const html = fileHtml(diff, props.html?.[index], index)
    // The first file is always shown, so one large file is not an empty review.
    if (shown.length > 0 && chars + html.length > DIFF_PAGE_CHARS) break
    shown.push(html)
    chars += html.length
  }
  return (
    <section id={PAGE_IDS.diffs} class="review" hidden={props.diffs.length === 0} aria-labelledby="diffs-title">
      <input type="radio" name="diff-view" id="view-unified" class="toggle sr-only" checked />
      <input type="radio" name="diff-view" id="view-split" class="toggle sr-only" />
      <div class="review-head">
        <h2 id="diffs-title">Changes</h2>
        <span class="muted">{plural(props.diffs.length, "file")}</span>
        <Counts additions={additions} deletions={deletions} />
        <span class="views">
          <label for="view-unified">Unified</label>
          <label for="view-split">Split</label>
        </span>
      </div>
      <ul class="files">
        {props.diffs.map((diff) => (
          <li>
            <a href={`#${diffElementId(diffKey(diff))}`}>{diffKey(diff)}</a>{" "}
            <Counts additions={diff.additions ?? 0} deletions={diff.deletions ?? 0} />
          </li>
        ))}
      </ul>
      <div class="file-diffs">
        {/* The HTML stored when the diff was written, when there is one: a view does not diff again. */}
        {shown.map((html) => raw(html))}
        {props.diffs.length > shown.length ? (
          <p class="clip">… {props.diffs.length - shown.length} more files listed above, not shown here</p>
        ) : null}
      </div>
    </section>
  )
}
