/**
 * Row data too big for a SQLite row (a Durable Object's SQLite refuses strings over 2 MB) lives in R2 under its
 * share's prefix, one object per row version; the row keeps the key.
 */
function prefixOf(shareID: string): string {
  return `blob/${shareID}/`
}

/** A fresh key for one row's data (random: a replaced row's old object is deleted once the new one committed). */
export function blobKey(shareID: string): string {
  return `${prefixOf(shareID)}${crypto.randomUUID()}`
}

/** Marks the key of a row that streamed to R2: too big for any reader to hold, so it has a preview beside it. */
const SPILLED_SUFFIX = "~spilled"

/** A fresh key for a row that streams to R2 (see RowSpill): its preview lives at `previewKeyOf(key)`. */
export function spilledBlobKey(shareID: string): string {
  return `${blobKey(shareID)}${SPILLED_SUFFIX}`
}

/**
 * Where the preview of a spilled row is (its JSON with long strings clipped): what pages, the transcript and the
 * turn views read in its place. Undefined for a row that any reader may hold whole.
 */
export function previewKeyOf(key: string): string | undefined {
  return key.endsWith(SPILLED_SUFFIX) ? `${key}.preview` : undefined
}

/** Delete every row object of a share (the share was deleted). R2 lists and deletes at most 1 000 keys a call. */
export async function deleteShareBlobs(bucket: R2Bucket, shareID: string): Promise<void> {
  for (;;) {
    const listed = await bucket.list({ prefix: prefixOf(shareID), limit: 1000 })
    if (listed.objects.length === 0) return
    await bucket.delete(listed.objects.map((object) => object.key))
    if (!listed.truncated) return
  }
}

/** Delete row objects (and the previews of spilled ones). */
export async function deleteBlobs(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  const all = keys.flatMap((key) => {
    const preview = previewKeyOf(key)
    return preview === undefined ? [key] : [key, preview]
  })
  for (let start = 0; start < all.length; start += 1000) await bucket.delete(all.slice(start, start + 1000))
}
