import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A stand-in for the LLM (the one part of an OpenCode run that may be one): an OpenAI-compatible
 * `POST /v1/chat/completions` that streams a short text answer as server-sent events.
 */
export type MockLlm = { baseURL: string; calls: () => number; close: () => Promise<void> }

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const body = { id: "chatcmpl-mock", object: "chat.completion.chunk", created: 0, model: "mock-model" }
  return `data: ${JSON.stringify({ ...body, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
}

export async function startMockLlm(answer = "Hello from the stand-in model."): Promise<MockLlm> {
  let calls = 0
  const server: Server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      calls += 1
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      response.write(chunk({ role: "assistant", content: "" }))
      response.write(chunk({ content: answer }))
      response.write(chunk({}, "stop"))
      response.end("data: [DONE]\n\n")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
