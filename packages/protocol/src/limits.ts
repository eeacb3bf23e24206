/**
 * Default bounds shared by server and client. The server enforces them (some are overridable through Worker vars);
 * the client uses the same numbers to size its batches so it never sends something the server would refuse.
 */
export const LIMITS = {
  /**
   * Largest JSON body of a create or delete, and of one RPC batch (a WebSocket message or HTTP batch carries one
   * call): capnweb parses a message whole, so this bounds the Worker's memory on those paths.
   */
  maxBodyBytes: 8 * 1024 * 1024,
  /**
   * Largest `POST /api/share/:id/sync` body: the Workers request limit (100 MB). Upstream OpenCode sends a session's
   * whole history in one sync; the body is read as a stream, item by item, and applied in bounded pieces.
   */
  maxSyncBodyBytes: 100 * 1000 * 1000,
  /** Most items one streamed sync may hold (a 100 MB body of the smallest items). */
  maxSyncItems: 500_000,
  /**
   * Largest item the Worker holds whole (a session, a model list, any item over RPC, an item that names its data
   * before its type), JSON-encoded: it holds one at a time while it is checked and encoded (about three copies in
   * 128 MB). On the streamed sync a part, a message or a diff file may be as big as the body: its row streams to R2.
   */
  maxItemBytes: 16 * 1024 * 1024,
  /**
   * Largest row text kept in the share's SQLite (a Durable Object's SQLite refuses strings and rows over 2 MB); a
   * bigger message, part or diff entry is put in R2 and its row keeps the key.
   */
  maxInlineRowBytes: 1024 * 1024,
  /** Most items in one sync batch over RPC, or in a create's initial data. */
  maxBatchItems: 10_000,
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
