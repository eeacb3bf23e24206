import { highlight } from "../render/highlight.ts"
import { clip } from "./format.ts"

/** Where the whole of a clipped item can be read: the share page with `?part=` shows one part unclipped. */
export function fullPartHref(partID: string): string {
  return `?part=${encodeURIComponent(partID)}`
}

/** Terminal colour and cursor sequences (CSI) in command output: noise on a page. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, "g")

export function withoutAnsi(text: string): string {
  return text.replace(ANSI, "")
}

/** "… N more characters · show all" under a clipped item (nothing when nothing was clipped). */
export function Clipped(props: { omitted: number; more?: string }) {
  if (props.omitted <= 0) return null
  return (
    <p class="clip">
      … {props.omitted.toLocaleString("en")} more characters
      {props.more === undefined ? null : (
        <>
          {" · "}
          <a href={props.more}>show all</a>
        </>
      )}
    </p>
  )
}

/**
 * A block of code or tool output: clipped to the display limit (with a link to all of it when the caller knows
 * where that is), highlighted when its language is known (highlight.ts vouches for the markup it returns).
 */
export function Code(props: { text: string; language?: string; class?: string; more?: string; limit?: number }) {
  const shown = clip(props.text, props.limit)
  const html = highlight(shown.text, props.language)
  const classes = ["code", props.class].filter((name) => name !== undefined).join(" ")
  return (
    <>
      {html === undefined ? (
        <pre class={classes}>{shown.text}</pre>
      ) : (
        <pre class={classes} data-lang={props.language}>
          <code dangerouslySetInnerHTML={{ __html: html }} />
        </pre>
      )}
      <Clipped omitted={shown.omitted} more={props.more} />
    </>
  )
}

/** Lines shown of a numbered listing (a file the agent read); the rest is behind "show all". */
const LISTING_LINES = 400

/**
 * A file listing with line numbers, as OpenCode's read tool returns it (`00012| code`): the code highlighted as one
 * text, the numbers in a gutter beside it that a reader's copy skips.
 */
export function Listing(props: { lines: { number: number; text: string }[]; language?: string; more?: string }) {
  const shown = props.lines.slice(0, LISTING_LINES)
  const code = shown.map((line) => line.text).join("\n")
  const html = highlight(code, props.language)
  return (
    <>
      <section class="listing" tabindex={0} aria-label="file listing">
        <pre class="gutter" aria-hidden="true">
          {shown.map((line) => line.number).join("\n")}
        </pre>
        {html === undefined ? (
          <pre class="code">{code}</pre>
        ) : (
          <pre class="code" data-lang={props.language}>
            <code dangerouslySetInnerHTML={{ __html: html }} />
          </pre>
        )}
      </section>
      {props.lines.length > LISTING_LINES ? (
        <p class="clip">
          … {props.lines.length - LISTING_LINES} more lines
          {props.more === undefined ? null : (
            <>
              {" · "}
              <a href={props.more}>show all</a>
            </>
          )}
        </p>
      ) : null}
    </>
  )
}

/** `<file>\n00001| a\n00002| b\n</file>` (OpenCode's read output) → numbered lines, or undefined if not that shape. */
export function listingOf(output: string): { number: number; text: string }[] | undefined {
  const lines = output.split("\n")
  const numbered: { number: number; text: string }[] = []
  for (const line of lines) {
    const match = /^\s*(\d{1,7})\| ?(.*)$/.exec(line)
    if (match !== null) numbered.push({ number: Number(match[1]), text: match[2] ?? "" })
  }
  return numbered.length === 0 || numbered.length < (lines.length - 2) / 2 ? undefined : numbered
}
