import { z } from "zod"
import { LIMITS } from "./limits.ts"

/**
 * Share ids are 128 random bits, base64url (22 chars). Ids of shares imported from the seed's layout were the last
 * 8 characters of the session id, so the schema accepts any short URL-safe token rather than only our own format.
 */
export const ShareIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "share id must be URL-safe (A-Z a-z 0-9 _ -)")

/**
 * Per-share secrets: ours are 256-bit base64url; legacy ones were UUIDs. Any non-empty string up to the bound is
 * accepted, so a wrong secret of an odd length is answered "wrong secret" (403), like any other wrong secret.
 */
export const SecretSchema = z.string().min(1).max(256)

/** Client-chosen id of a sync batch; replaying a batch id is a no-op on the server. */
export const BatchIdSchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, "batch id must be URL-safe")

/**
 * Client-chosen creation key: at least 256 bits of base64url. With it, a create whose reply was lost can be sent
 * again and gets the same share back (its id and secret are derived from the key) instead of a second share.
 */
export const CreationKeySchema = z
  .string()
  .min(43)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "creation key must be base64url")

/** Ids of OpenCode objects (session, message, part, model). */
export const ObjectIdSchema = z.string().min(1).max(LIMITS.maxIdLength)
