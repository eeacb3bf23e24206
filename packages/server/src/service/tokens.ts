import { getManyValues, isMany, none } from "stream-chain/defs.js"
import { jsonParser } from "stream-json/core/parser.js"

/** One token of stream-json's parser (packed keys and numbers, streamed strings: no string is held whole). */
export type Token = { name: string; value?: unknown }

/** A tokenizer for JSON text fed a chunk at a time (`none` ends it): keys and numbers whole, strings in chunks. */
export function jsonTokenizer(): (text: string | typeof none) => unknown {
  const parse = jsonParser({
    packKeys: true,
    streamKeys: false,
    packStrings: false,
    streamStrings: true,
    packNumbers: true,
    streamNumbers: false,
  })
  return (text) => parse(text as string)
}

/** The tokens one call of the tokenizer gave. */
export function tokensOf(result: unknown): Token[] {
  if (result === none) return []
  if (isMany(result)) return getManyValues(result) as Token[]
  return [result as Token]
}

export { none }
