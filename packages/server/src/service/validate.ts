import { ShareError } from "@cloudsession/protocol"
import type { z } from "zod"

/** Parse untrusted input or throw a `bad_request` ShareError naming the first offending field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue === undefined || issue.path.length === 0 ? what : `${what}.${issue.path.join(".")}`
  throw new ShareError("bad_request", `invalid ${where}: ${issue?.message ?? "malformed"}`)
}
