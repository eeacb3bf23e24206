import { z } from "zod"

/** Shortest and longest life a share can be given: a minute (tests, demos) to a year. */
export const EXPIRY_BOUNDS = { minMs: 60_000, maxMs: 366 * 24 * 3600 * 1000 } as const

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
}

/**
 * `7d`, `12h`, `30m`, `2w` (or a combination in that spirit, one unit): how long a share lives, as milliseconds.
 * `undefined` for anything else; bounds are checked by the schema below, so the message can name them.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,6})\s*([mhdw])\s*$/i.exec(text)
  if (match === null) return undefined
  const [, amount = "", unit = ""] = match
  const ms = Number(amount) * (UNIT_MS[unit.toLowerCase()] ?? Number.NaN)
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** A share's life from now, as sent by clients: `"7d"` and the like. */
export const ExpiresInSchema = z
  .string()
  .max(16)
  .transform((text, context) => {
    const ms = parseDuration(text)
    if (ms === undefined) {
      context.addIssue({ code: "custom", message: "expected a duration such as 30m, 12h, 7d or 2w" })
      return z.NEVER
    }
    if (ms < EXPIRY_BOUNDS.minMs || ms > EXPIRY_BOUNDS.maxMs) {
      context.addIssue({ code: "custom", message: "a share lives at least 1 minute and at most 366 days" })
      return z.NEVER
    }
    return ms
  })
