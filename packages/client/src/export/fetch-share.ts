import { ShareIdSchema, SnapshotContentSchema } from "@cloudsession/protocol"
import { z } from "zod"
import { ConnectionError } from "../connection/errors.ts"
import { InvalidShareIdError, ServerRefusedError } from "../errors.ts"

/** What `GET /api/share/:id` answers; checked so a wrong server yields an error, not a garbled export. */
const ShareSnapshotSchema = SnapshotContentSchema.extend({
  id: z.string(),
  // Served back untouched: the export prints whatever metadata the server has.
  metadata: z.looseObject({ sessionID: z.string() }),
})

/** A share as `fetchShare` read it: the snapshot, checked, with the server's metadata as it came. */
export type FetchedShare = z.infer<typeof ShareSnapshotSchema>

/** A share named by id (with the server given separately) or by its URL (`https://host/share/<id>`). */
export function locateShare(idOrUrl: string, server: string | undefined): { server: string | undefined; id: string } {
  if (URL.canParse(idOrUrl)) {
    const url = new URL(idOrUrl)
    const segments = url.pathname.split("/").filter(Boolean)
    // `/share/<id>`: the id follows `share` (a URL that stops at `/share/` names none); other layouts end in it.
    const marker = segments.indexOf("share")
    const id = marker >= 0 ? (segments[marker + 1] ?? "") : (segments.at(-1) ?? "")
    return { server: url.origin, id }
  }
  return { server, id: idOrUrl }
}

/** A malformed id is the caller's mistake, not the server's answer: no request can fix it, so none is made. */
export function checkShareId(shareID: string): string {
  const id = ShareIdSchema.safeParse(shareID)
  if (!id.success) throw new InvalidShareIdError(shareID)
  return id.data
}

/** Read a share as viewers see it: the public `GET /api/share/:id` (no secret, no token needed). */
export async function fetchShare(server: string, shareID: string): Promise<FetchedShare> {
  const url = `${server}/api/share/${encodeURIComponent(checkShareId(shareID))}`
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch((error: unknown) => {
    throw new ConnectionError(`cannot reach ${server}: ${error instanceof Error ? error.message : String(error)}`)
  })
  if (response.status === 404) throw new ServerRefusedError("not_found", `share ${shareID} not found on ${server}`)
  if (response.status === 410) throw new ServerRefusedError("gone", `share ${shareID} was deleted on ${server}`)
  if (!response.ok) throw new ServerRefusedError("internal", `GET ${url} answered HTTP ${response.status}`)
  const snapshot = ShareSnapshotSchema.safeParse(await response.json().catch(() => undefined))
  if (!snapshot.success) throw new ServerRefusedError("internal", `${url} did not answer with a share snapshot`)
  return snapshot.data
}
