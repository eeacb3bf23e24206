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

/** Delete every row object of a share (the share was deleted). R2 lists and deletes at most 1 000 keys a call. */
export async function deleteShareBlobs(bucket: R2Bucket, shareID: string): Promise<void> {
  for (;;) {
    const listed = await bucket.list({ prefix: prefixOf(shareID), limit: 1000 })
    if (listed.objects.length === 0) return
    await bucket.delete(listed.objects.map((object) => object.key))
    if (!listed.truncated) return
  }
}

export async function deleteBlobs(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 1000) await bucket.delete(keys.slice(start, start + 1000))
}
