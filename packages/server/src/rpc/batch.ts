import { ShareError } from "@cloudsession/protocol"
import { RpcSession, type RpcSessionOptions, type RpcTarget, type RpcTransportWithCustomEncoding } from "capnweb"
import { logServerFault } from "../errors/fault-log.ts"
import { bodyWithin } from "../input/request-body.ts"
import { HeldCalls } from "./held-calls.ts"
import { parseRpcMessage, type RpcMessage } from "./messages.ts"
import { expectedError } from "./wire-errors.ts"

/** Every line of a batch body, parsed before any of them runs: one malformed line refuses the whole batch. */
function parseBatch(body: string, maxMessageBytes: number): RpcMessage[] {
  if (body === "") return []
  // Every call of a batch is open at once (answers go out together at the end): the same bound as on a socket.
  const held = new HeldCalls(maxMessageBytes)
  return body.split("\n").map((line) => {
    const message = parseRpcMessage(line)
    try {
      held.received(message, line.length)
    } catch (error) {
      if (error instanceof ShareError) throw new ShareError("bad_request", `an HTTP batch: ${error.message}`)
      throw error
    }
    // A capnweb batch client never sends one (it would only abort after its batch went out). Honoured, it would
    // fail the batch with a value the client chose, which the server would have to treat as its own fault.
    if (message[0] === "abort") throw new ShareError("bad_request", "an HTTP batch cannot carry an abort")
    return message
  })
}

/**
 * The server end of one HTTP batch, as in capnweb's `newHttpBatchRpcResponse`, but handed messages already parsed
 * ("jsonCompatible": capnweb then skips its own `JSON.parse`), and with its failure reported to the caller.
 */
class ParsedBatchTransport implements RpcTransportWithCustomEncoding {
  readonly encodingLevel = "jsonCompatible"
  /** Settles once capnweb has read every message; rejects with the reason if the session aborts first. */
  readonly allReceived: Promise<void>
  readonly #incoming: RpcMessage[]
  readonly #outgoing: string[] = []
  #next = 0
  #received: () => void = () => {}
  #failed: (reason: unknown) => void = () => {}

  constructor(incoming: RpcMessage[]) {
    this.#incoming = incoming
    this.allReceived = new Promise<void>((resolve, reject) => {
      this.#received = resolve
      this.#failed = reject
    })
  }

  send(message: unknown): number {
    const text = JSON.stringify(message)
    this.#outgoing.push(text)
    return text.length
  }

  receive(): Promise<unknown> {
    const message = this.#incoming[this.#next]
    if (message !== undefined) {
      this.#next += 1
      return Promise.resolve(message)
    }
    this.#received()
    // Nothing more comes in this request: capnweb's read loop waits here until the session is dropped with it.
    return new Promise<never>(() => {})
  }

  abort(reason: unknown): void {
    this.#failed(reason)
  }

  get responseBody(): string {
    return this.#outgoing.join("\n")
  }
}

/** Why a batch failed, as the HTTP answer: the client's fault as its code (400, ...), a server fault as a logged 500. */
function batchFailure(error: unknown): ShareError {
  const expected = expectedError(error)
  if (expected !== undefined) return expected
  logServerFault("/rpc batch failed", error)
  return new ShareError("internal", "internal error")
}

/**
 * Run one HTTP batch against `target` and answer with capnweb's response lines. A malformed batch throws a
 * `bad_request` `ShareError` before any call runs; a message that parses but that capnweb cannot use (a known type
 * with the wrong shape) fails the batch the same way, though calls in front of it may have run by then.
 */
export async function serveBatch(
  request: Request,
  target: RpcTarget,
  options: RpcSessionOptions,
  maxMessageBytes: number,
): Promise<Response> {
  // Bounded like one WebSocket message, counted as it arrives (and drained if refused: see bodyWithin).
  const body = await bodyWithin(request, maxMessageBytes).catch((error: unknown) => {
    if (error instanceof ShareError)
      throw new ShareError(error.code, `an RPC batch is at most ${maxMessageBytes} bytes`)
    throw error
  })
  const transport = new ParsedBatchTransport(parseBatch(body, maxMessageBytes))
  const session = new RpcSession(transport, target, options)
  try {
    await transport.allReceived
    await session.drain()
  } catch (error) {
    throw batchFailure(error)
  }
  return new Response(transport.responseBody)
}
