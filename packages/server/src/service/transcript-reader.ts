import { diffsMarkdown, type Session, transcriptHeading } from "@cloudsession/protocol"
import { unwrap } from "../share-object/outcome.ts"
import { TRANSCRIPT_START, type TranscriptCursor } from "../share-object/transcript-pages.ts"
import { allTexts, type ShareSource } from "./snapshot-reader.ts"

/**
 * The share as a Markdown transcript, streamed: its heading, then its message sections a page at a time as the
 * Durable Object renders them (see `TranscriptPages`), then the diff list. Memory stays at a page whatever the
 * share's size; a share deleted meanwhile ends the stream with an error.
 */
export async function transcriptStream(source: ShareSource, shareID: string): Promise<ReadableStream<Uint8Array>> {
  const { stub } = source
  const head = unwrap(await stub.readHead({ shareID, maxBytes: 0 }))
  const counts = unwrap(await stub.metadata({ shareID }))
  const session = JSON.parse(head.session) as Session
  const encoder = new TextEncoder()
  let cursor: TranscriptCursor | undefined = TRANSCRIPT_START
  /** A page's chunks not handed to the client yet. */
  let pending: Uint8Array[] = []
  let started = false
  let ended = false
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true
          const heading = transcriptHeading(session, { messages: counts.messageCount, parts: counts.partCount })
          return controller.enqueue(encoder.encode(`${heading}\n\n`))
        }
        for (;;) {
          const chunk = pending.shift()
          if (chunk !== undefined) return controller.enqueue(chunk)
          if (cursor === undefined) break
          const page = unwrap(await stub.readTranscript({ shareID, cursor }))
          cursor = page.next
          pending = page.chunks
        }
        if (ended) return controller.close()
        ended = true
        const diffs = diffsMarkdown((await allTexts(source.bucket, head.diffs)).map((row) => JSON.parse(row)))
        if (diffs === "") return controller.close()
        controller.enqueue(encoder.encode(`${diffs}\n`))
      },
    },
    // Nothing read ahead: the next page is rendered once the client has taken the one before.
    { highWaterMark: 0 },
  )
}
