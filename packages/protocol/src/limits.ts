/**
 * Default bounds shared by server and client. The server enforces them (some are overridable through Worker vars);
 * the client uses the same numbers to size its batches so it never sends something the server would refuse.
 */
export const LIMITS = {
  /** Largest JSON body accepted by any HTTP endpoint, and the budget the client packs a batch into. */
  maxBodyBytes: 4 * 1024 * 1024,
  /**
   * Largest single item (one part, message, session, diff list or model list), JSON-encoded. A Durable Object's
   * SQLite refuses strings and rows over 2 MB; refusing early gives the sender a 413 it can act on, not a 500.
   */
  maxItemBytes: 1024 * 1024,
  /** Most items in one sync batch. */
  maxBatchItems: 1000,
  /** Longest id (session, message, part, model) we store. */
  maxIdLength: 256,
  /** Most entries a single `session_diff` or `model` item may carry. */
  maxListEntries: 2000,
  /** Largest page of `GET /api/sessions`. */
  maxPageSize: 200,
  /** Batch ids remembered per share for idempotent replay. */
  rememberedBatches: 2048,
} as const

export type Limits = typeof LIMITS

const encoder = new TextEncoder()

/**
 * Bytes of a value as JSON in UTF-8: what the limits above count. The client sizes its batches with it and the
 * server checks them with it, so a batch the client packed is never one the server refuses for its size.
 */
export function encodedSize(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength
}
