import { ShareError } from "@cloudsession/protocol"
import { type ItemEvent, ItemReader } from "./item-reader.ts"
import type { SpillContext } from "./row-reader.ts"
import type { RowSpill } from "./row-spill.ts"
import { jsonTokenizer, none, type Token, tokensOf } from "./tokens.ts"

/**
 * What a streamed sync body yields, in body order: a short top-level string (`secret`, `batchID`, ...), or what
 * reading one item of the list gave (see ItemEvent).
 */
export type BodyEvent = { kind: "field"; name: string; value: string } | ItemEvent

export type BodyOptions = {
  /** The key of the item list (`data` for a sync). */
  listKey: string
  /** Top-level string fields worth keeping (`secret`, `batchID`); any other top-level value is skipped. */
  fields: readonly string[]
  /** Where a row too big to hold goes (see RowReader). */
  spill: SpillContext
  /** The most items the list may hold. */
  maxItems: number
  /** The most bytes the body may have. */
  maxBodyBytes: number
}

const MAX_FIELD_CHARS = 1024

/**
 * Follows the body's top-level object: which key a value belongs to, the list's items one by one, short string
 * fields. Everything else is skipped by depth. Memory: the item being read (see ItemReader).
 */
class BodyWalker {
  private readonly options: BodyOptions
  private depth = 0
  private key: string | undefined
  private state: "value" | "list" | "skip" | "field" = "value"
  private skipDepth = 0
  private field = ""
  private item: ItemReader | undefined
  private index = 0
  /** Whether the body had the list at all (a body without one is refused, as a parsed one would be). */
  sawList = false

  constructor(options: BodyOptions) {
    this.options = options
  }

  feed(token: Token, out: BodyEvent[]): void {
    if (this.depth === 0) {
      if (token.name !== "startObject") throw new ShareError("bad_request", "request body must be a JSON object")
      this.depth = 1
      return
    }
    if (this.item !== undefined) {
      this.feedItem(token, out)
      return
    }
    if (this.state === "skip") {
      this.skip(token)
      return
    }
    if (this.state === "field") {
      this.feedField(token, out)
      return
    }
    if (this.state === "list") {
      this.feedList(token, out)
      return
    }
    // state "value": at the top level, between members.
    if (token.name === "keyValue") {
      this.key = String(token.value)
      return
    }
    if (token.name === "endObject") {
      this.depth = 0
      return
    }
    if (this.key === this.options.listKey) {
      if (token.name !== "startArray")
        throw new ShareError("bad_request", `invalid request.${this.key}: expected a list`)
      this.state = "list"
      this.sawList = true
      return
    }
    if (this.key !== undefined && this.options.fields.includes(this.key) && token.name === "startString") {
      this.state = "field"
      this.field = ""
      return
    }
    this.startSkip(token)
  }

  private startSkip(token: Token): void {
    if (token.name === "startObject" || token.name === "startArray") {
      this.state = "skip"
      this.skipDepth = 1
      return
    }
    if (token.name === "startString") {
      this.state = "skip"
      this.skipDepth = 0
    }
  }

  private skip(token: Token): void {
    if (token.name === "startObject" || token.name === "startArray") this.skipDepth += 1
    if (token.name === "endObject" || token.name === "endArray") this.skipDepth -= 1
    const stringDone = token.name === "endString" && this.skipDepth === 0
    if (this.skipDepth === 0 && (stringDone || token.name === "endObject" || token.name === "endArray")) {
      this.state = "value"
    }
  }

  private feedField(token: Token, out: BodyEvent[]): void {
    if (token.name === "stringChunk") {
      this.field += String(token.value)
      if (this.field.length > MAX_FIELD_CHARS) throw new ShareError("bad_request", `${this.key} is too long`)
      return
    }
    if (token.name === "endString") {
      out.push({ kind: "field", name: this.key ?? "", value: this.field })
      this.state = "value"
    }
  }

  private feedList(token: Token, out: BodyEvent[]): void {
    if (token.name === "endArray") {
      this.state = "value"
      return
    }
    if (this.index >= this.options.maxItems) {
      throw new ShareError("payload_too_large", `a sync holds at most ${this.options.maxItems} items`)
    }
    this.item = new ItemReader(this.index, this.options.spill)
    this.feedItem(token, out)
  }

  private feedItem(token: Token, out: BodyEvent[]): void {
    const item = this.item
    if (item === undefined) return
    if (!item.feed(token, out)) return
    this.item = undefined
    this.index += 1
  }

  /** The upload the item being read is writing, if any. */
  get activeSpill(): RowSpill | undefined {
    return this.item?.activeSpill
  }

  get complete(): boolean {
    return this.depth === 0 && this.state === "value" && this.item === undefined
  }
}

/**
 * Read a JSON sync body as it arrives, one event per item, with stream-json's tokenizer (strings arrive in chunks,
 * so no value is held whole unless it is an item the caller will get). The body's bytes are counted against
 * `maxBodyBytes`; malformed JSON is a `bad_request` naming how far it got.
 */
export async function* readSyncBody(body: ReadableStream<Uint8Array>, options: BodyOptions): AsyncGenerator<BodyEvent> {
  const parse = jsonTokenizer()
  const walker = new BodyWalker(options)
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })
  const reader = body.getReader()
  let bytes = 0
  /** Feed decoded text (or `none`: the end) through the tokenizer; `decode` runs inside so bad UTF-8 is a 400 too. */
  const step = (decode: () => string | typeof none): BodyEvent[] => {
    const out: BodyEvent[] = []
    try {
      for (const token of tokensOf(parse(decode()))) walker.feed(token, out)
    } catch (error) {
      if (error instanceof ShareError) throw error
      throw new ShareError("bad_request", `request body is not valid JSON (after ${bytes} bytes)`)
    }
    return out
  }
  try {
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) break
      bytes += chunk.value.byteLength
      if (bytes > options.maxBodyBytes) {
        throw new ShareError("payload_too_large", `request body exceeds ${options.maxBodyBytes} bytes`)
      }
      const value = chunk.value
      const events = step(() => decoder.decode(value, { stream: true }))
      // A row streaming to R2 sends its queued parts now, so the Worker holds one part of it, not the row.
      await walker.activeSpill?.flush()
      yield* events
    }
    yield* step(() => decoder.decode())
    yield* step(() => none)
  } finally {
    reader.releaseLock()
    await walker.activeSpill?.abort()
  }
  if (!walker.complete)
    throw new ShareError("bad_request", `request body is not valid JSON (ends after ${bytes} bytes)`)
  if (!walker.sawList) throw new ShareError("bad_request", `invalid request.${options.listKey}: required`)
}
