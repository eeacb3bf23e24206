import { spilledBlobKey } from "../storage/blobs.ts"

/**
 * Bytes of each part of a spilled row's multipart upload. R2 wants every part but the last at least 5 MiB and all
 * of one size, so the text is cut at exactly this many bytes whatever the chunks it arrives in; it is also the most
 * the Worker holds of a row it spills.
 */
export const SPILL_PART_BYTES = 5 * 1024 * 1024

/** Where a spilled row ended up: its R2 key, and its size in JSON characters and UTF-8 bytes. */
export type SpilledRow = { key: string; chars: number; bytes: number }

const encoder = new TextEncoder()

/** Characters of written text encoded at once. */
const ENCODE_CHARS = 64 * 1024

/**
 * One row's JSON text written to R2 as it streams past, for a row too big to hold (up to the 100 MB body limit):
 * the text is encoded as it comes and sent a part at a time, so the Worker holds one part, never the row. Writes
 * are queued by `write` (synchronous, called from the tokenizer) and sent by `flush`, which the body reader awaits
 * after each chunk of the body.
 */
export class RowSpill {
  readonly key: string
  private readonly bucket: R2Bucket
  private upload: Promise<R2MultipartUpload> | undefined
  private readonly parts: R2UploadedPart[] = []
  /** Text written and not yet encoded (up to `ENCODE_CHARS`). */
  private text: string[] = []
  private textChars = 0
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private chars = 0
  private bytes = 0

  constructor(bucket: R2Bucket, shareID: string) {
    this.bucket = bucket
    this.key = spilledBlobKey(shareID)
  }

  write(text: string): void {
    if (text === "") return
    // A row comes as many small pieces (a string's chunks between escapes): encoded together, not one by one.
    this.text.push(text)
    this.textChars += text.length
    if (this.textChars >= ENCODE_CHARS) this.encodeText()
  }

  private encodeText(): void {
    if (this.text.length === 0) return
    const text = this.text.join("")
    this.text = []
    this.textChars = 0
    const encoded = encoder.encode(text)
    this.chars += text.length
    this.bytes += encoded.byteLength
    this.pending.push(encoded)
    this.pendingBytes += encoded.byteLength
  }

  /** Send every whole part queued so far. */
  async flush(): Promise<void> {
    this.encodeText()
    while (this.pendingBytes >= SPILL_PART_BYTES) await this.sendPart(this.take(SPILL_PART_BYTES))
  }

  /** Send the rest as the last part and make the object. */
  async complete(): Promise<SpilledRow> {
    await this.flush()
    if (this.pendingBytes > 0 || this.parts.length === 0) await this.sendPart(this.take(this.pendingBytes))
    const upload = await this.started()
    await upload.complete(this.parts)
    return { key: this.key, chars: this.chars, bytes: this.bytes }
  }

  /** Drop what was sent (the body failed, or the row was refused): no part and no object is left behind. */
  async abort(): Promise<void> {
    this.text = []
    this.pending = []
    this.pendingBytes = 0
    if (this.upload === undefined) return
    const upload = await this.upload
    await upload.abort().catch(() => undefined)
  }

  private started(): Promise<R2MultipartUpload> {
    this.upload ??= this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: "application/json" } })
    return this.upload
  }

  private async sendPart(part: Uint8Array): Promise<void> {
    const upload = await this.started()
    this.parts.push(await upload.uploadPart(this.parts.length + 1, part))
  }

  /** The first `size` queued bytes as one buffer; the rest stays queued. */
  private take(size: number): Uint8Array {
    const part = new Uint8Array(size)
    let filled = 0
    let used = 0
    for (const head of this.pending) {
      if (filled >= size) break
      const length = Math.min(head.byteLength, size - filled)
      part.set(head.subarray(0, length), filled)
      filled += length
      if (length < head.byteLength) {
        this.pending[used] = head.subarray(length)
        break
      }
      used += 1
    }
    this.pending = this.pending.slice(used)
    this.pendingBytes -= filled
    return part
  }
}
