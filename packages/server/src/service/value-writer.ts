import type { Token } from "./tokens.ts"

/** A string's characters as JSON text, escaped as `JSON.stringify` escapes them (no quotes). */
export function escaped(text: string): string {
  return JSON.stringify(text).slice(1, -1)
}

/**
 * Where a writer with a target sends its text: structure as JSON text, strings as their decoded characters (the
 * target escapes them), each with the key it is the value of (so ids can be told from text).
 */
export type StringTarget = {
  raw(text: string): void
  startString(key: string): void
  stringChunk(chunk: string): void
  endString(): void
}

/**
 * Text of one JSON value rebuilt from its tokens, escaped as `JSON.stringify` would write it. With `clipStrings`,
 * each string keeps only its first that many characters: a preview of a value too big to hold, whose shape (keys,
 * ids, short fields) is still whole and can be validated and rendered.
 */
export class ValueWriter {
  private pieces: string[] = []
  private readonly target: StringTarget | undefined
  /** Per open container: the key its string values are under (an array's: the key the array is under). */
  private readonly keys: string[] = []
  private key = ""
  /** Characters written so far (all of them, including any drained or dropped). */
  length = 0
  /** Per open container: whether it has an element yet (a comma goes before the next one). */
  private readonly open: boolean[] = []
  private afterKey = false
  /** A high surrogate that ended a chunk: it is written with the low half the next chunk starts with. */
  private carry = ""
  /** Characters kept of the current string (for `clipStrings`). */
  private stringChars = 0
  private readonly clipStrings: number
  /** Drop the text (the value is too big) but keep following its structure. */
  dropping = false
  /** Past this many characters the writer starts dropping (the value is too big to hold). */
  limit = Number.POSITIVE_INFINITY

  /** `target`: where the text goes instead of being kept (strings as their decoded characters, see StringTarget). */
  constructor(options: { clipStrings?: number; target?: StringTarget } = {}) {
    this.clipStrings = options.clipStrings ?? Number.POSITIVE_INFINITY
    this.target = options.target
  }

  private put(text: string): void {
    this.length += text.length
    if (this.length > this.limit) this.dropping = true
    if (this.dropping) return
    if (this.target === undefined) this.pieces.push(text)
    else this.target.raw(text)
  }

  /** The carry of a surrogate pair split between chunks, or the chars as they came when a target escapes them. */
  private putString(text: string): void {
    this.length += text.length
    if (this.length > this.limit) this.dropping = true
    if (this.dropping) return
    if (this.target === undefined) this.pieces.push(escaped(text))
    else this.target.stringChunk(text)
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

  /** How deep in containers the next token is (0: at the value's top level). */
  get depth(): number {
    return this.open.length
  }

  /** Feed one token; returns true when the value is complete. */
  write(token: Token): boolean {
    switch (token.name) {
      case "startObject":
      case "startArray":
        this.separate()
        this.put(token.name === "startObject" ? "{" : "[")
        this.open.push(false)
        this.keys.push(this.key)
        return false
      case "endObject":
      case "endArray":
        this.open.pop()
        this.key = this.keys.pop() ?? ""
        this.put(token.name === "endObject" ? "}" : "]")
        return this.open.length === 0
      case "keyValue":
        this.separate()
        this.put(`${JSON.stringify(String(token.value))}:`)
        this.key = String(token.value)
        this.afterKey = true
        return false
      case "startString":
        this.separate()
        this.stringChars = 0
        this.startString()
        return false
      case "stringChunk":
        this.chunk(String(token.value))
        return false
      case "endString":
        this.endString()
        return this.open.length === 0
      case "numberValue":
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

  private chunk(value: string): void {
    const room = this.clipStrings - this.stringChars
    if (room <= 0) return
    const kept = value.length > room ? value.slice(0, room) : value
    this.stringChars += kept.length
    const chunk = this.carry + kept
    const last = chunk.charCodeAt(chunk.length - 1)
    const split = last >= 0xd800 && last <= 0xdbff
    this.carry = split ? chunk.slice(-1) : ""
    const whole = split ? chunk.slice(0, -1) : chunk
    if (whole !== "") this.putString(whole)
  }

  private startString(): void {
    this.length += 1
    if (this.dropping) return
    if (this.target === undefined) this.pieces.push('"')
    // In an object the key just read names the string; in an array, the key the array is under does.
    else this.target.startString(this.key)
  }

  private endString(): void {
    if (this.carry !== "") this.putString(this.carry)
    this.carry = ""
    this.length += 1
    if (this.dropping) return
    if (this.target === undefined) this.pieces.push('"')
    else this.target.endString()
  }

  /** A high surrogate held back until the next chunk brings its low half (see `chunk`). */
  get pendingSurrogate(): string {
    return this.carry
  }

  /** The text written since the last `drain` (for a writer whose text streams on rather than being held). */
  drain(): string {
    const text = this.pieces.join("")
    this.pieces = []
    return text
  }

  text(): string {
    return this.pieces.join("")
  }
}
