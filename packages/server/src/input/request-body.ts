import { ShareError } from "@cloudsession/protocol"

/**
 * After a body is refused for its size, the rest of it is still read (and dropped), up to this many bytes in all:
 * workerd answers nothing more on a connection whose request body was left unread, so the client's next request
 * there would stall until another connection pushed things on. A sender that goes on past this is not waited for.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

/** Read and drop what is left of `body`, up to `limit` bytes. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let read = 0
  while (read < limit) {
    const next = await reader.read()
    if (next.done) return
    read += next.value.byteLength
  }
  await reader.cancel()
}

/**
 * The request body as text, at most `maxBytes` of UTF-8 (counted as it arrives, whether or not a length was
 * declared); a larger one is a `payload_too_large` ShareError, thrown once the rest of it has been drained.
 */
export async function bodyWithin(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("Content-Length") ?? Number.NaN)
  const refusal = () => new ShareError("payload_too_large", `request body exceeds ${maxBytes} bytes`)
  const body = request.body
  if (body === null) return ""
  const reader = body.getReader()
  if (Number.isFinite(declared) && declared > maxBytes) {
    await drain(reader, DRAIN_LIMIT_BYTES)
    throw refusal()
  }
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const next = await reader.read()
    if (next.done) break
    total += next.value.byteLength
    if (total > maxBytes) {
      await drain(reader, DRAIN_LIMIT_BYTES - total)
      throw refusal()
    }
    chunks.push(next.value)
  }
  const joined = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(joined)
}

/**
 * Read and drop what is left of a request body (one refused before it mattered: a 401, a 404; or one a streamed
 * reader stopped reading part way: a sync body over its limit), so the connection can carry the client's next
 * request (see DRAIN_LIMIT_BYTES). A body read to its end costs one read.
 */
export async function drainUnread(request: Request): Promise<void> {
  const body = request.body
  if (body === null || body.locked) return
  try {
    await drain(body.getReader(), DRAIN_LIMIT_BYTES)
  } catch {
    // The body had already failed (the client went away): there is nothing left to keep the connection for.
  }
}
