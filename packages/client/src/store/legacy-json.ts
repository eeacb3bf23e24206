import { readdirSync, readFileSync } from "node:fs"
import { basename, join } from "node:path"
import { z } from "zod"
import type { NewShare, ShareRepo } from "./share-repo.ts"

/**
 * Older OpenCode layouts kept each share as `<dir>/<sessionID>.json` holding `{ id, secret, url }` (the oldest ones
 * omit `id`; it is the last segment of the share URL).
 */
const LegacyShareFileSchema = z.object({
  id: z.string().min(1).optional(),
  secret: z.string().min(1),
  url: z.url(),
})

/** What `importLegacyJson` did with each file: recorded, already known, or skipped with a reason (never a secret). */
export type LegacyImportReport = {
  imported: number
  alreadyKnown: number
  skipped: { file: string; reason: string }[]
}

function shareIdFromUrl(url: string): string | undefined {
  const segments = new URL(url).pathname.split("/").filter((segment) => segment.length > 0)
  return segments.at(-1)
}

function readShareFile(dir: string, file: string): NewShare | string {
  const parsed = LegacyShareFileSchema.safeParse(safeJson(readFileSync(join(dir, file), "utf8")))
  if (!parsed.success) return parsed.error.issues[0]?.message ?? "not a share file"
  const id = parsed.data.id ?? shareIdFromUrl(parsed.data.url)
  if (id === undefined) return "no share id in file or URL"
  return {
    sessionID: basename(file, ".json"),
    id,
    secret: parsed.data.secret,
    url: parsed.data.url,
    server: new URL(parsed.data.url).origin,
    source: "legacy-json",
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Record every share of a legacy JSON directory that the store does not know yet. Reasons never quote secrets. */
export function importLegacyJson(repo: ShareRepo, dir: string): LegacyImportReport {
  const files = readdirSync(dir).filter((file) => file.endsWith(".json"))
  const read = files.map((file) => ({ file, result: readShareFile(dir, file) }))
  const shares = read.flatMap((entry) => (typeof entry.result === "string" ? [] : [entry.result]))
  const skipped = read.flatMap((entry) =>
    typeof entry.result === "string" ? [{ file: entry.file, reason: entry.result }] : [],
  )
  const imported = repo.importMissing(shares)
  return { imported, alreadyKnown: shares.length - imported, skipped }
}
