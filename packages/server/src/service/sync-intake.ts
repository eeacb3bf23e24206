import { BatchIdSchema, LIMITS, SecretSchema, ShareError, type SyncResult } from "@cloudsession/protocol"
import { utf8Bytes } from "../share-object/row-writes.ts"
import type { ShareObject } from "../share-object/share-object.ts"
import { type ApplyOptions, SyncApplier } from "./sync-applier.ts"
import { type BodyEvent, readSyncBody } from "./sync-body.ts"
import { parseOrThrow } from "./validate.ts"

/**
 * Items that arrive before the secret are held until it comes; upstream's client sends the secret first, so this
 * only bounds a body written the other way round.
 */
const MAX_PENDING_CHARS = 8 * 1024 * 1024

function batchIdOf(value: string): string {
  return parseOrThrow(BatchIdSchema, value, "request.batchID")
}

export type StreamLimits = { maxSyncBodyBytes: number; maxSyncItems: number }

type ItemEvent = Exclude<BodyEvent, { kind: "field" }>

async function take(applier: SyncApplier, event: ItemEvent): Promise<void> {
  if (event.kind === "oversized") {
    return applier.refuse(
      event.index,
      undefined,
      "payload_too_large",
      `more than ${LIMITS.maxItemBytes} bytes; one item is at most that`,
    )
  }
  // The text is JSON the tokenizer accepted, rebuilt piece by piece: it parses.
  await applier.add(event.index, JSON.parse(event.text), utf8Bytes(event.text))
}

/**
 * `POST /api/share/:id/sync` as a stream: upstream's `{ secret, data: [...] }` of any length up to the body limit,
 * read item by item and applied in bounded pieces (see `SyncApplier`), so the Worker holds one item and one piece,
 * not the body. Items already applied stay applied if the body turns out malformed further on (the error says so).
 */
export async function syncFromStream(
  stub: DurableObjectStub<ShareObject>,
  bucket: R2Bucket,
  shareID: string,
  body: ReadableStream<Uint8Array> | null,
  limits: StreamLimits,
  options: ApplyOptions,
): Promise<SyncResult> {
  if (body === null) throw new ShareError("bad_request", "request body is not valid JSON")
  const fields = new Map<string, string>()
  const pending: ItemEvent[] = []
  let pendingChars = 0
  let applier: SyncApplier | undefined
  const open = async () => {
    const secret = parseOrThrow(SecretSchema, fields.get("secret"), "request.secret")
    const batchID = fields.get("batchID")
    const target = { shareID, secret, batchID: batchID === undefined ? undefined : batchIdOf(batchID) }
    return SyncApplier.open(stub, bucket, target, options)
  }
  const events = readSyncBody(body, {
    listKey: "data",
    fields: ["secret", "batchID"],
    maxItemChars: LIMITS.maxItemBytes,
    maxItems: limits.maxSyncItems,
    maxBodyBytes: limits.maxSyncBodyBytes,
  })
  for await (const event of events) {
    if (event.kind === "field") {
      fields.set(event.name, event.value)
      if (applier !== undefined && event.name === "batchID") applier.setBatchID(batchIdOf(event.value))
      continue
    }
    if (applier === undefined && fields.has("secret")) applier = await open()
    if (applier !== undefined) {
      for (const held of pending.splice(0)) await take(applier, held)
      await take(applier, event)
      continue
    }
    pending.push(event)
    pendingChars += event.kind === "item" ? event.text.length : 0
    if (pendingChars > MAX_PENDING_CHARS) throw new ShareError("bad_request", "send the secret before the data")
  }
  const ready = applier ?? (await open())
  for (const held of pending) await take(ready, held)
  return ready.finish()
}
