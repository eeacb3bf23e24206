import { StreamRedactor } from "@cloudsession/protocol/redaction"
import type { RowSpill } from "./row-spill.ts"
import { jsonTokenizer, type Token, tokensOf } from "./tokens.ts"
import { ValueWriter } from "./value-writer.ts"

/**
 * A row's JSON is held whole up to this many characters (it is then checked, redacted and rendered like any item);
 * past it the row streams to R2 (see RowSpill) and only a preview is kept. Well under the Worker's 128 MB with the
 * few copies checking takes, and big enough that only a file's content or a pasted blob gets past it.
 */
export const HOLD_ROW_CHARS = 4 * 1024 * 1024

/**
 * Characters kept of each string in a spilled row's preview: more than any field the schemas bound (10 000), so
 * the preview is valid exactly when the row is, and enough to render the start of the text a viewer sees.
 */
export const PREVIEW_STRING_CHARS = 32 * 1024

/**
 * Most characters of a spilled row's preview. A row gets big from a few long strings (a file, a data URL, a tool's
 * output); one made of millions of short values has no preview that is small, and is refused.
 */
export const MAX_PREVIEW_CHARS = 1024 * 1024

/** What a row reader may do past `HOLD_ROW_CHARS`: spill (once the secret is known), and redact as it spills. */
export type SpillContext = {
  /** A fresh upload for a row, or undefined when spilling is not allowed now (the secret has not come yet). */
  spill: () => RowSpill | undefined
  redact: boolean
}

export type RowOutcome =
  | { kind: "held"; text: string }
  | { kind: "spilled"; preview: string; spill: RowSpill }
  /** `spill`: an upload already begun, to abort. */
  | { kind: "oversized"; chars: number; reason: string; spill?: RowSpill }

/** The tokens of the text a row was held as so far: the spilling writers start from the same state. */
function replay(prefix: string, writers: ValueWriter[], surrogate: string): void {
  const parse = jsonTokenizer()
  for (const token of tokensOf(parse(prefix))) for (const writer of writers) writer.write(token)
  if (surrogate === "") return
  for (const writer of writers) writer.write({ name: "stringChunk", value: surrogate })
}

/** Tokens after which the held text is a prefix a fresh parser reads to the same state (a number may go on). */
const SWITCH_POINTS = new Set([
  "stringChunk",
  "startObject",
  "startArray",
  "keyValue",
  "endString",
  "endObject",
  "endArray",
])

/** The text a spilling row sends on: the writer's own, or (redacting) what the redactor has made final. */
type SpillOut = { writer: ValueWriter; take: () => string; finish: () => string }

/**
 * One row's JSON value read token by token: held whole while it is small, else streamed to R2 with a preview kept
 * (strings clipped) that stands in for it to be checked and rendered. Memory: `HOLD_ROW_CHARS` before the switch,
 * one upload part and the preview after it, whatever the row's size.
 */
export class RowReader {
  private readonly context: SpillContext
  private readonly held = new ValueWriter()
  private preview: ValueWriter | undefined
  private out: SpillOut | undefined
  /** The upload this row streams into, once it spills (the body reader flushes it after each chunk). */
  spill: RowSpill | undefined
  private refusal: string | undefined

  constructor(context: SpillContext) {
    this.context = context
  }

  /** Feed one token; true when the value is complete. */
  write(token: Token): boolean {
    if (this.out !== undefined) return this.writeSpilling(token)
    const done = this.held.write(token)
    if (done || this.held.length <= HOLD_ROW_CHARS || !SWITCH_POINTS.has(token.name)) return done
    if (this.refusal === undefined) this.startSpill()
    return false
  }

  private writeSpilling(token: Token): boolean {
    const out = this.out
    const preview = this.preview
    if (out === undefined || preview === undefined) return false
    preview.write(token)
    const done = out.writer.write(token)
    if (this.refusal !== undefined) return done
    this.spill?.write(done ? out.finish() : out.take())
    if (preview.length > MAX_PREVIEW_CHARS) {
      // Nothing more is sent: the upload is aborted once the row ends.
      this.refusal = `holds more than ${MAX_PREVIEW_CHARS} characters besides its long strings`
      preview.dropping = true
      out.writer.dropping = true
    }
    return done
  }

  /** Past the hold: open the upload and hand it what was held, as the spilling writers would have written it. */
  private startSpill(): void {
    const spill = this.context.spill()
    if (spill === undefined) {
      this.refusal = "is too big to hold before the secret: send the secret first"
      this.held.dropping = true
      return
    }
    this.spill = spill
    const preview = new ValueWriter({ clipStrings: PREVIEW_STRING_CHARS })
    this.preview = preview
    const prefix = this.held.text()
    const surrogate = this.held.pendingSurrogate
    if (!this.context.redact) {
      // The held writer goes on as the spilling one: its text so far is sent as it is.
      replay(prefix, [preview], surrogate)
      spill.write(this.held.drain())
      this.out = { writer: this.held, take: () => this.held.drain(), finish: () => this.held.drain() }
      return
    }
    const redactor = new StreamRedactor()
    const writer = new ValueWriter({ target: redactor })
    replay(prefix, [preview, writer], surrogate)
    this.held.dropping = true
    this.out = { writer, take: () => redactor.take(), finish: () => redactor.finish() }
    spill.write(redactor.take())
  }

  /** The row once complete: its text, or its upload and preview, or why it cannot be kept. */
  outcome(): RowOutcome {
    const spill = this.spill
    if (this.refusal !== undefined) {
      const chars = Math.max(this.held.length, this.out?.writer.length ?? 0)
      return spill === undefined
        ? { kind: "oversized", chars, reason: this.refusal }
        : { kind: "oversized", chars, reason: this.refusal, spill }
    }
    const preview = this.preview
    if (spill !== undefined && preview !== undefined) return { kind: "spilled", preview: preview.text(), spill }
    return { kind: "held", text: this.held.text() }
  }
}
