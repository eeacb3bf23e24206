import { ExpiresInSchema, type SessionIndex, ShareIdSchema } from "@cloudsession/protocol"
import { z } from "zod"
import { newSecret, sha256Hex } from "../crypto/crypto.ts"
import type { Env } from "../env.ts"
import { unwrap } from "../share-object/outcome.ts"
import { releaseSession } from "./session-claims.ts"
import { parseOrThrow } from "./validate.ts"

/**
 * What the owner may change about a share: `expiresIn` a duration from now (`"7d"`) or `null` for never, and
 * `listed` whether it appears on the public listing. Either or both; nothing else.
 */
export const ShareUpdateSchema = z
  .strictObject({
    expiresIn: ExpiresInSchema.nullable().optional(),
    listed: z.boolean().optional(),
  })
  .refine((update) => update.expiresIn !== undefined || update.listed !== undefined, {
    message: "send expiresIn (a duration such as 7d, or null) and/or listed (true or false)",
  })

/**
 * The server owner's operations on any share, without its secret: the owner's bearer token (or browser session)
 * was checked by the adapter in front, as listing is. Each is one call to the share's Durable Object.
 */
export class OwnerService {
  private readonly env: Env

  constructor(env: Env) {
    this.env = env
  }

  /** Delete the share and everything it stored; it answers 410 Gone from then on. */
  async remove(shareID: unknown): Promise<{ success: true }> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const removed = unwrap(await this.stub(id).ownerRemove({ shareID: id }))
    // Its session may be shared again, as after a delete with the secret.
    await releaseSession(this.env, removed.sessionID, id)
    return { success: true }
  }

  /** A new secret for the share, returned once; the old one stops working, and its holder is told why. */
  async rotateSecret(shareID: unknown): Promise<{ id: string; secret: string }> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const secret = newSecret()
    unwrap(await this.stub(id).rotateSecret({ shareID: id, secretHash: await sha256Hex(secret) }))
    return { id, secret }
  }

  /** Set or clear the expiry, and put on or take off the public listing; answers the entry as it now is. */
  async update(shareID: unknown, input: unknown): Promise<SessionIndex> {
    const id = parseOrThrow(ShareIdSchema, shareID, "shareID")
    const update = parseOrThrow(ShareUpdateSchema, input, "request")
    const stub = this.stub(id)
    let entry: SessionIndex | undefined
    if (update.expiresIn !== undefined) {
      const expiresAt = update.expiresIn === null ? null : Date.now() + update.expiresIn
      entry = unwrap(await stub.setExpiry({ shareID: id, expiresAt }))
    }
    if (update.listed !== undefined) entry = unwrap(await stub.setListed({ shareID: id, listed: update.listed }))
    // The schema demands one of the two, so one of the calls above ran.
    return entry ?? unwrap(await stub.metadata({ shareID: id }))
  }

  private stub(shareID: string) {
    return this.env.SHARES.get(this.env.SHARES.idFromName(shareID))
  }
}
