import { once } from "node:events"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A stand-in for an OpenAI-compatible chat completions endpoint (the only stand-in the tests use): it streams
 * server-sent events the way such providers do, so OpenCode's `@ai-sdk/openai-compatible` provider turns them into
 * real reasoning, text and tool parts. What it answers is read from the conversation:
 *
 * - the last message is a tool result: a text answer quoting the result's first line;
 * - the user's prompt contains `[[bash <command>]]`: some reasoning, then a `bash` tool call running `<command>`;
 * - otherwise: some reasoning, then text echoing the prompt.
 *
 * `[[chunks N every MS]]` in the prompt streams the text in N chunks MS milliseconds apart; `[[count N every MS]]`
 * streams the words ` w1` … ` wN`, MS milliseconds apart, and no reasoning (the benchmark finds each word again in
 * a viewer's page).
 * `[[hold]]` in the prompt stops the answer after its reasoning until the test calls `release()` (`holding()`
 * resolves once an answer waits there), so a test can change the world at a known point of a turn.
 * Title requests (OpenCode's small model, asked to name the session) get a short title.
 */
export type MockLlm = {
  url: string
  /** The chat completion requests received, in order. */
  requests: ChatRequest[]
  /** Resolves when an answer is held at `[[hold]]`. */
  holding: () => Promise<void>
  /** Let the held answer go on. */
  release: () => void
  close: () => Promise<void>
}

export type ChatMessage = { role: string; content?: unknown; tool_calls?: unknown }
export type ChatRequest = { model?: string; stream?: boolean; messages: ChatMessage[] }

type Chunk = { delta: Record<string, unknown>; finish?: string }

const textOf = (content: unknown): string => {
  if (typeof content === "string") return content
  if (!Array.isArray(content)) return ""
  return content
    .map((piece: unknown) =>
      typeof piece === "object" && piece !== null && "text" in piece && typeof piece.text === "string"
        ? piece.text
        : "",
    )
    .join("")
}

/** The text chunks of an answer: `[[chunks N every MS]]` or the whole answer split into a few pieces. */
function split(text: string, pieces: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / pieces))
  const out: string[] = []
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size))
  return out
}

type Script = { chunks: Chunk[]; delayMs: number; holdAt?: number }

function isTitleRequest(request: ChatRequest): boolean {
  const system = request.messages.filter((message) => message.role === "system").map((m) => textOf(m.content))
  return system.some((text) => /title generator|generate a title|concise title/i.test(text))
}

function script(request: ChatRequest): Script {
  const last = request.messages.at(-1)
  if (isTitleRequest(request)) return { chunks: [{ delta: { content: "Mock session" } }], delayMs: 0 }
  if (last?.role === "tool") {
    const result = textOf(last.content).split("\n")[0] ?? ""
    const chunks = split(`The command printed: ${result}`, 4).map((content) => ({ delta: { content } }))
    return { chunks, delayMs: 5 }
  }
  const prompt = textOf(request.messages.findLast((message) => message.role === "user")?.content)
  const reasoning = split(`Thinking about: ${prompt.slice(0, 80)}`, 3).map((text) => ({
    delta: { reasoning_content: text },
  }))
  const bash = /\[\[bash (.+?)\]\]/.exec(prompt)
  if (bash?.[1] !== undefined) {
    const args = JSON.stringify({ command: bash[1], description: "Run the requested command" })
    const call = (fragment: string, first: boolean): Chunk => ({
      delta: {
        tool_calls: [
          first
            ? { index: 0, id: `call_${Date.now()}`, type: "function", function: { name: "bash", arguments: fragment } }
            : { index: 0, function: { arguments: fragment } },
        ],
      },
    })
    const fragments = split(args, 3)
    return { chunks: [...reasoning, ...fragments.map((fragment, i) => call(fragment, i === 0))], delayMs: 5 }
  }
  const counted = /\[\[count (\d+) every (\d+)\]\]/.exec(prompt)
  if (counted?.[1] !== undefined && counted[2] !== undefined) {
    const words = Array.from({ length: Number(counted[1]) }, (_, index) => ({ delta: { content: ` w${index + 1}` } }))
    return { chunks: words, delayMs: Number(counted[2]) }
  }
  const paced = /\[\[chunks (\d+) every (\d+)\]\]/.exec(prompt)
  const pieces = paced?.[1] !== undefined ? Number(paced[1]) : 5
  const delayMs = paced?.[2] !== undefined ? Number(paced[2]) : 5
  const answer = `You said: ${prompt.replace(/\[\[.*?\]\]/g, "").trim()}. `.repeat(Math.max(1, Math.ceil(pieces / 4)))
  const text = split(answer, pieces).map((content) => ({ delta: { content } }))
  const holdAt = prompt.includes("[[hold]]") ? reasoning.length : undefined
  return { chunks: [...reasoning, ...text], delayMs, ...(holdAt === undefined ? {} : { holdAt }) }
}

const finishOf = (chunks: Chunk[]): string =>
  chunks.some((chunk) => "tool_calls" in chunk.delta) ? "tool_calls" : "stop"

async function readJson(request: IncomingMessage): Promise<unknown> {
  let body = ""
  request.setEncoding("utf8")
  for await (const piece of request) body += piece
  return JSON.parse(body)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A promise and the function that resolves it (Promise.withResolvers needs Node 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/** Where a held answer waits: `wait()` parks it until `release()`. */
class Gate {
  #reached = signal()
  #open: (() => void) | undefined
  holding = () => this.#reached.promise
  wait = () =>
    new Promise<void>((resolve) => {
      this.#open = resolve
      this.#reached.resolve()
    })
  release = () => {
    this.#open?.()
    this.#open = undefined
    this.#reached = signal()
  }
}

async function stream(response: ServerResponse, request: ChatRequest, log: ChatRequest[], gate: Gate): Promise<void> {
  log.push(request)
  const { chunks, delayMs, holdAt } = script(request)
  const id = `chatcmpl-${log.length}`
  const created = Math.floor(Date.now() / 1000)
  const send = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    response.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model ?? "mock", choices: [{ index: 0, ...choice }], ...extra })}\n\n`,
    )
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "close" })
  send({ delta: { role: "assistant", content: "" }, finish_reason: null })
  for (const [index, chunk] of chunks.entries()) {
    if (index === holdAt) await gate.wait()
    if (delayMs > 0) await sleep(delayMs)
    send({ delta: chunk.delta, finish_reason: null })
  }
  send(
    { delta: {}, finish_reason: finishOf(chunks) },
    { usage: { prompt_tokens: 10, completion_tokens: chunks.length, total_tokens: 10 + chunks.length } },
  )
  response.end("data: [DONE]\n\n")
}

function isChatRequest(value: unknown): value is ChatRequest {
  return typeof value === "object" && value !== null && "messages" in value && Array.isArray(value.messages)
}

export async function startMockLlm(): Promise<MockLlm> {
  const requests: ChatRequest[] = []
  const gate = new Gate()
  const server: Server = createServer((request, response) => {
    if (request.method === "GET" && request.url?.endsWith("/models")) {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ object: "list", data: [{ id: "mock-model", object: "model" }] }))
      return
    }
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end()
      return
    }
    readJson(request)
      .then((body) => {
        if (!isChatRequest(body)) throw new Error("not a chat completion request")
        return stream(response, body, requests, gate)
      })
      .catch((error: unknown) => {
        if (response.headersSent) return response.end()
        response.writeHead(400, { "content-type": "application/json" })
        response.end(JSON.stringify({ error: { message: String(error) } }))
      })
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    holding: gate.holding,
    release: gate.release,
    close: async () => {
      gate.release()
      server.closeAllConnections()
      server.close()
      await once(server, "close").catch(() => {})
    },
  }
}
