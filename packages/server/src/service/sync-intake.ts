import { BatchIdSchema, SecretSchema, ShareError, type SyncResult } from "@cloudsession/protocol"
import { utf8Bytes } from "../share-object/row-writes.ts"
import type { ShareObject } from "../share-object/share-object.ts"
import type { ItemEvent } from "./item-reader.ts"
import { RowSpill } from "./row-spill.ts"
import { type ApplyOptions, SyncApplier } from "./sync-applier.ts"
import { readSyncBody } from "./sync-body.ts"
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

async function take(applier: SyncApplier, event: ItemEvent): Promise<void> {
  switch (event.kind) {
    case "refused":
      await event.spill?.abort()
      // A session diff refused at its end (a key twice) drops the files already taken for it.
      await applier.dropDiff(event.index)
      return applier.refuse(event.index, undefined, event.code, event.reason)
    case "item":
      // The text is JSON the tokenizer accepted, rebuilt piece by piece: it parses.
      return applier.add(event.index, JSON.parse(event.text), utf8Bytes(event.text))
    case "spilled":
      return applier.addSpilled(event.index, event.type, event.preview, await event.spill.complete())
    case "diff-entry": {
      const entry = event.entry
      if (entry.kind === "oversized") await entry.spill?.abort()
      const complete = async () => {
        if (entry.kind !== "spilled") throw new Error("only a spilled file has an upload to complete")
        return entry.spill.complete()
      }
      return applier.addDiffEntry(event.index, entry, complete)
    }
    case "diff-end":
      return applier.endDiffs(event.index)
  }
}

/**
 * `"redaction": "client"`: the client redacted the items itself, or its user chose not to (as over `/rpc`, whose
 * items are stored as sent), so the server does not redact them again; answers the server's `redact` option.
 * Upstream's client never sends it, and its items keep the server's redaction. It must come before the secret:
 * the applier takes its options then.
 */
function redactionOf(value: string, opened: boolean): false {
  if (value !== "client") throw new ShareError("bad_request", 'invalid request.redaction: expected "client"')
  if (opened) throw new ShareError("bad_request", "in a sync body, redaction must come before the secret")
  return false
}

/** Characters an event holds (what a body that sends its secret last may make the Worker keep). */
function heldChars(event: ItemEvent): number {
  if (event.kind === "item") return event.text.length
  if (event.kind === "diff-entry" && event.entry.kind === "held") return event.entry.text.length
  return 0
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
    return SyncApplier.open(stub, bucket, target, applying)
  }
  let applying = options
  // A row streams to R2 only once the secret was checked: nobody without it can make the Worker write one.
  const spill = {
    spill: () => (applier === undefined ? undefined : new RowSpill(bucket, shareID)),
    get redact() {
      return applying.redact
    },
  }
  const events = readSyncBody(body, {
    listKey: "data",
    fields: ["redaction", "secret", "batchID"],
    spill,
    maxItems: limits.maxSyncItems,
    maxBodyBytes: limits.maxSyncBodyBytes,
  })
  const applyEvents = async (): Promise<SyncResult> => {
    for await (const event of events) {
      if (event.kind === "field") {
        if (event.name === "redaction") {
          applying = { ...applying, redact: redactionOf(event.value, applier !== undefined) }
          continue
        }
        fields.set(event.name, event.value)
        if (applier !== undefined && event.name === "batchID") applier.setBatchID(batchIdOf(event.value))
        // Checked as soon as it comes: a row too big to hold may stream to R2 only once it was.
        if (applier === undefined && event.name === "secret") applier = await open()
        continue
      }
      if (applier !== undefined) {
        for (const held of pending.splice(0)) await take(applier, held)
        await take(applier, event)
        continue
      }
      pending.push(event)
      pendingChars += heldChars(event)
      if (pendingChars > MAX_PENDING_CHARS) throw new ShareError("bad_request", "send the secret before the data")
    }
    const ready = applier ?? (await open())
    for (const held of pending) await take(ready, held)
    return ready.finish()
  }
  try {
    return await applyEvents()
  } catch (error) {
    // Rows put in R2 for pieces that were never sent would be referenced by nothing.
    await applier?.abandon()
    throw error
  }
}
