import {
  diffsMarkdown,
  type Message,
  messageMarkdown,
  type Part,
  type Session,
  transcriptHeading,
} from "@cloudsession/protocol"
import { unwrap } from "../share-object/outcome.ts"
import { allTexts, everyItem, type ShareSource, STREAM_PAGE_BYTES } from "./snapshot-reader.ts"

/**
 * The share as a Markdown transcript, streamed message by message: messages and parts are both read in id order
 * (parts by message, then id), so walking them side by side pairs each message with its parts while holding only a
 * page of each. Parts whose message never arrived appear where their message would have been.
 */
export async function transcriptStream(source: ShareSource, shareID: string): Promise<ReadableStream<Uint8Array>> {
  const { stub } = source
  const head = unwrap(await stub.readHead({ shareID, maxBytes: STREAM_PAGE_BYTES }))
  const counts = unwrap(await stub.metadata({ shareID }))
  const session = JSON.parse(head.session) as Session
  const messages = everyItem<Message>(source, shareID, "message", head.messages)
  const parts = everyItem<Part>(source, shareID, "part", head.parts)
  async function* pieces(): AsyncGenerator<string> {
    yield `${transcriptHeading(session, { messages: counts.messageCount, parts: counts.partCount })}\n\n`
    let part = await parts.next()
    for await (const message of messages) {
      const own: Part[] = []
      const orphans: Part[] = []
      while (part.done !== true && part.value.messageID <= message.id) {
        ;(part.value.messageID === message.id ? own : orphans).push(part.value)
        part = await parts.next()
      }
      if (orphans.length > 0) yield `${messageMarkdown(undefined, orphans)}\n\n`
      yield `${messageMarkdown(message, own)}\n\n`
    }
    const rest: Part[] = []
    for (; part.done !== true; part = await parts.next()) rest.push(part.value)
    if (rest.length > 0) yield `${messageMarkdown(undefined, rest)}\n\n`
    const diffs = diffsMarkdown((await allTexts(source.bucket, head.diffs)).map((row) => JSON.parse(row)))
    if (diffs !== "") yield `${diffs}\n`
  }
  const texts = pieces()
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await texts.next()
      if (next.done === true) return controller.close()
      controller.enqueue(encoder.encode(next.value))
    },
    async cancel() {
      await texts.return(undefined)
    },
  })
}
