import { ERROR_STATUS, type ErrorCode, isErrorCode, type SyncResult } from "@cloudsession/protocol"
import { z } from "zod"
import { ServerRefusedError } from "../errors.ts"
import { serverOrigin } from "../server-origin.ts"
import { isLoopbackHost } from "./endpoint.ts"
import { CleartextRefusedError } from "./errors.ts"

/*
 * Why a second way to send: one capnweb RPC message is parsed whole by the Worker, so `/rpc` takes at most
 * `LIMITS.maxBodyBytes` (8 MiB) per call, while a real session holds bigger items (a pasted file, a large tool
 * output). The server's streamed `POST /api/share/:id/sync` reads its body item by item up to
 * `LIMITS.maxSyncBodyBytes` (100 MB); the outbox sender sends such an item alone through it, with the outbox row's
 * batch id (the server applies a batch id once, whichever path it came by). The share secret authenticates the call;
 * the route takes no bearer token, so none is sent. It only ever goes to the origin the share is recorded for.
 */

/**
 * Bytes of the body around the items' JSON array: `{"secret":"…","batchID":"…","data":` and the closing `}`. A
 * secret is at most 256 characters and a batch id 128, so 1 KiB covers them with room to spare.
 */
export const SYNC_ENVELOPE_BYTES = 1024

/** The slowest upload still waited for: a 100 MB item gets 400 s on top of the call timeout before it is resent. */
const MIN_UPLOAD_BYTES_PER_SECOND = 256 * 1024

/** A sync reply is a few hundred bytes; a server answering with more is not one to trust with memory. */
const MAX_REPLY_BYTES = 64 * 1024

export type HttpSyncRequest = {
  /** Origin the share is recorded for (`serverOrigin`'s form): the only place its secret is sent. */
  server: string
  shareID: string
  secret: string
  batchID: string
  /**
   * The items as the outbox row stores them: their JSON array in UTF-8. Sent as it is, not parsed and encoded again:
   * for a 60 MiB item each of those would be another copy of it in the user's process.
   */
  payload: Uint8Array
  /** Encoded bytes of the items (the outbox row's `bytes`), to scale the timeout with the upload. */
  bytes: number
  /** How long a small call may take; the upload's own time is added. */
  timeoutMs: number
  /** Send over `http://` to a host that is not this machine (the secret would be readable on the way). */
  allowCleartext?: boolean
}

/** What the sender needs of the server's `SyncResult`; checked, so a wrong server gives an error, not a bad ack. */
const ReplySchema = z.looseObject({
  applied: z.number(),
  duplicate: z.boolean(),
  refused: z.array(
    z.object({
      index: z.number(),
      type: z.string().optional(),
      code: z.enum(["bad_request", "payload_too_large"]),
      reason: z.string(),
    }),
  ),
})

export type HttpSyncReply = Pick<SyncResult, "applied" | "duplicate" | "refused">

const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) })

/** The sync endpoint of the share on `server`; refuses anything but an http(s) origin (never another host). */
export function syncEndpoint(server: string, shareID: string, allowCleartext: boolean): URL {
  const origin = serverOrigin(server)
  if (origin === undefined || origin !== server) throw new TypeError(`not a server origin: ${server}`)
  const url = new URL(`/api/share/${encodeURIComponent(shareID)}/sync`, origin)
  if (url.protocol === "http:" && !allowCleartext && !isLoopbackHost(url.hostname)) {
    throw new CleartextRefusedError(origin, "the share secret")
  }
  return url
}

/**
 * Send one batch through the streamed HTTP sync. Resolves with the server's answer (items it refused included);
 * rejects with `ServerRefusedError` when the server answered with its error shape, with `CleartextRefusedError`
 * before anything is sent, and with a plain error for a lost or garbled answer (the caller resends the same batch).
 */
export async function syncOverHttp(request: HttpSyncRequest): Promise<HttpSyncReply> {
  const url = syncEndpoint(request.server, request.shareID, request.allowCleartext === true)
  const timeoutMs = request.timeoutMs + Math.ceil((request.bytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000)
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: bodyStream(request),
    // A stream body is sent as it is read (chunked): Node's fetch requires saying so.
    duplex: "half",
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await readBounded(response, MAX_REPLY_BYTES)
  if (!response.ok) throw refusalOf(response.status, text)
  const reply = ReplySchema.safeParse(parseJson(text))
  if (!reply.success) throw new Error(`${url.origin} did not answer the sync with a sync result`)
  return reply.data
}

/**
 * `{"redaction":"client","secret":…,"batchID":…,"data":<payload>}` without copying the payload into a new body: the
 * envelope's two pieces and the payload itself go out as three chunks. The secret and the batch id come before the
 * data: the server reads them first and streams the rest. The items passed this client's redaction (or its user
 * turned it off): the server is told not to redact them again.
 */
function bodyStream(request: HttpSyncRequest): ReadableStream<Uint8Array> {
  const head = `{"redaction":"client","secret":${JSON.stringify(request.secret)},"batchID":${JSON.stringify(request.batchID)},"data":`
  const chunks = [Buffer.from(head), request.payload, Buffer.from("}")]
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift()
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk)
    },
  })
}

/**
 * The server's refusal in its `{ error: { code, message } }` shape. A 5xx without it came from something in front
 * of the Worker (or the runtime giving up on it): not the server's "no", so the batch is resent.
 */
function refusalOf(status: number, text: string): Error {
  const body = ErrorBodySchema.safeParse(parseJson(text))
  if (body.success && isErrorCode(body.data.error.code)) {
    return new ServerRefusedError(body.data.error.code, body.data.error.message)
  }
  const code = codeOfStatus(status)
  if (code === undefined || status >= 500) return new Error(`the sync answered HTTP ${status}`)
  return new ServerRefusedError(code, `the sync answered HTTP ${status}`)
}

function codeOfStatus(status: number): ErrorCode | undefined {
  const entry = Object.entries(ERROR_STATUS).find(([, each]) => each === status)
  return entry !== undefined && isErrorCode(entry[0]) ? entry[0] : undefined
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The body as text, or an error once it passes `max` bytes (the rest is not read). */
async function readBounded(response: Response, max: number): Promise<string> {
  if (response.body === null) return ""
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel()
      throw new Error(`the sync answered with more than ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString("utf8")
}
