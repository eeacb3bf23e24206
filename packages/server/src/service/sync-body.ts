import { ShareError } from "@cloudsession/protocol"
import { getManyValues, isMany, none } from "stream-chain/defs.js"
import { jsonParser } from "stream-json/core/parser.js"

/**
 * What a streamed sync body yields, in body order: a short top-level string (`secret`, `batchID`, ...), one item of
 * the list, or the position of an item too big to hold (its text was dropped as it streamed past).
 */
export type BodyEvent =
  | { kind: "field"; name: string; value: string }
  | { kind: "item"; index: number; text: string }
  | { kind: "oversized"; index: number; chars: number }

export type BodyOptions = {
  /** The key of the item list (`data` for a sync). */
  listKey: string
  /** Top-level string fields worth keeping (`secret`, `batchID`); any other top-level value is skipped. */
  fields: readonly string[]
  /** An item whose JSON text grows past this many characters is dropped and reported as `oversized`. */
  maxItemChars: number
  /** The most items the list may hold. */
  maxItems: number
  /** The most bytes the body may have. */
  maxBodyBytes: number
}

type Token = { name: string; value?: unknown }

const MAX_FIELD_CHARS = 1024

/** Text of one JSON value rebuilt from its tokens, escaped as `JSON.stringify` would write it. */
class ValueWriter {
  private readonly pieces: string[] = []
  length = 0
  /** Per open container: whether it has an element yet (a comma goes before the next one). */
  private readonly open: boolean[] = []
  private afterKey = false
  /** A high surrogate that ended a chunk: it is written with the low half the next chunk starts with. */
  private carry = ""
  /** Drop the text (the value is too big) but keep following its structure. */
  dropping = false

  private put(text: string): void {
    this.length += text.length
    if (!this.dropping) this.pieces.push(text)
  }

  private separate(): void {
    if (this.afterKey) {
      this.afterKey = false
      return
    }
    const last = this.open.length - 1
    if (last < 0) return
    if (this.open[last]) this.put(",")
    this.open[last] = true
  }

  /** Feed one token; returns true when the value is complete. */
  write(token: Token): boolean {
    switch (token.name) {
      case "startObject":
      case "startArray":
        this.separate()
        this.put(token.name === "startObject" ? "{" : "[")
        this.open.push(false)
        return false
      case "endObject":
      case "endArray":
        this.open.pop()
        this.put(token.name === "endObject" ? "}" : "]")
        return this.open.length === 0
      case "keyValue":
        this.separate()
        this.put(`${JSON.stringify(String(token.value))}:`)
        this.afterKey = true
        return false
      case "startString":
        this.separate()
        this.put('"')
        return false
      case "stringChunk": {
        const chunk = this.carry + String(token.value)
        const last = chunk.charCodeAt(chunk.length - 1)
        const split = last >= 0xd800 && last <= 0xdbff
        this.carry = split ? chunk.slice(-1) : ""
        const whole = split ? chunk.slice(0, -1) : chunk
        if (whole !== "") this.put(JSON.stringify(whole).slice(1, -1))
        return false
      }
      case "endString":
        if (this.carry !== "") this.put(JSON.stringify(this.carry).slice(1, -1))
        this.carry = ""
        this.put('"')
        return this.open.length === 0
      case "numberValue":
        this.separate()
        this.put(String(token.value))
        return this.open.length === 0
      case "nullValue":
      case "trueValue":
      case "falseValue":
        this.separate()
        this.put(String(token.value))
        return this.open.length === 0
      default:
        return false
    }
  }

  text(): string {
    return this.pieces.join("")
  }
}

/**
 * Follows the body's top-level object: which key a value belongs to, the list's items one by one, short string
 * fields. Everything else is skipped by depth. Memory: the item being read (bounded by `maxItemChars`).
 */
class BodyWalker {
  private readonly options: BodyOptions
  private depth = 0
  private key: string | undefined
  private state: "value" | "list" | "skip" | "field" = "value"
  private skipDepth = 0
  private field = ""
  private item: ValueWriter | undefined
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
    this.item = new ValueWriter()
    // Scalars in the list are single tokens (or a string's tokens); the writer says when the value is complete.
    this.feedItem(token, out)
  }

  private feedItem(token: Token, out: BodyEvent[]): void {
    const item = this.item
    if (item === undefined) return
    const done = item.write(token)
    if (!item.dropping && item.length > this.options.maxItemChars) item.dropping = true
    if (!done) return
    this.item = undefined
    const index = this.index
    this.index += 1
    out.push(
      item.dropping ? { kind: "oversized", index, chars: item.length } : { kind: "item", index, text: item.text() },
    )
  }

  get complete(): boolean {
    return this.depth === 0 && this.state === "value" && this.item === undefined
  }
}

function tokensOf(result: unknown): Token[] {
  if (result === none) return []
  if (isMany(result)) return getManyValues(result) as Token[]
  return [result as Token]
}

/**
 * Read a JSON sync body as it arrives, one event per item, with stream-json's tokenizer (strings arrive in chunks,
 * so no value is held whole unless it is an item the caller will get). The body's bytes are counted against
 * `maxBodyBytes`; malformed JSON is a `bad_request` naming how far it got.
 */
export async function* readSyncBody(body: ReadableStream<Uint8Array>, options: BodyOptions): AsyncGenerator<BodyEvent> {
  const parse = jsonParser({
    packKeys: true,
    streamKeys: false,
    packStrings: false,
    streamStrings: true,
    packNumbers: true,
    streamNumbers: false,
  })
  const walker = new BodyWalker(options)
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })
  const reader = body.getReader()
  let bytes = 0
  /** Feed decoded text (or `none`: the end) through the tokenizer; `decode` runs inside so bad UTF-8 is a 400 too. */
  const step = (decode: () => string | typeof none): BodyEvent[] => {
    const out: BodyEvent[] = []
    try {
      for (const token of tokensOf(parse(decode() as string))) walker.feed(token, out)
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
      yield* step(() => decoder.decode(value, { stream: true }))
    }
    yield* step(() => decoder.decode())
    yield* step(() => none)
  } finally {
    reader.releaseLock()
  }
  if (!walker.complete)
    throw new ShareError("bad_request", `request body is not valid JSON (ends after ${bytes} bytes)`)
  if (!walker.sawList) throw new ShareError("bad_request", `invalid request.${options.listKey}: required`)
}
