import { request } from "node:http"
import { connect } from "node:net"
import { describe, expect, inject, it } from "vitest"

type Answer = { status: number; body: string }

/** One HTTP request with a Host header of our choosing (fetch does not let a caller set it). */
function send(path: string, host: string, init: { method?: string; body?: string } = {}): Promise<Answer> {
  const url = new URL(inject("workerUrl"))
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: init.method ?? "GET",
        headers: { Host: host, "Content-Type": "application/json", Connection: "close" },
      },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          body += chunk
        })
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
      },
    )
    outgoing.on("error", reject)
    outgoing.end(init.body)
  })
}

describe("the local server answers only to its own names (DNS rebinding)", () => {
  const port = new URL(inject("workerUrl")).port

  it("refuses a page, the API and a create for a Host that DNS could point anywhere", async () => {
    const rebound = `attacker.example:${port}`
    expect((await send("/sessions", rebound)).status).toBe(403)
    expect((await send("/api/sessions", rebound)).status).toBe(403)
    const created = await send("/api/share", rebound, { method: "POST", body: JSON.stringify({ sessionID: "ses_x" }) })
    expect(created.status).toBe(403)
    expect(created.body).not.toContain("attacker.example")
  })

  it("answers loopback names and IP literals, and builds share URLs from the Host it accepted", async () => {
    // The sign-in page: a route anyone may load (listings are the owner's and answer 401 without a token).
    expect((await send("/signin", `127.0.0.1:${port}`)).status).toBe(200)
    expect((await send("/signin", `[::1]:${port}`)).status).toBe(200)
    expect((await send("/signin", `app.localhost:${port}`)).status).toBe(200)
    const created = await send("/api/share", `localhost:${port}`, {
      method: "POST",
      body: JSON.stringify({ sessionID: "ses_local_host" }),
    })
    expect(created.status).toBe(201)
    expect((JSON.parse(created.body) as { url: string }).url).toMatch(new RegExp(`^http://localhost:${port}/share/`))
  })
})

/**
 * Send a chunked `POST` of `head` then `mib` MiB of `x` on one connection, then a `GET` on the same one: the statuses
 * answered, in order.
 */
async function refusedThenNext(path: string, head: string, mib: number): Promise<(string | undefined)[]> {
  const url = new URL(inject("workerUrl"))
  const socket = connect(Number(url.port), url.hostname)
  await new Promise((resolve) => socket.once("connect", resolve))
  let received = ""
  socket.setEncoding("utf8")
  socket.on("data", (chunk: string) => {
    received += chunk
  })
  const host = `127.0.0.1:${url.port}`
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`)
  if (head !== "") socket.write(`${head.length.toString(16)}\r\n${head}\r\n`)
  const chunk = "x".repeat(64 * 1024)
  // Sent without a length, as a streaming client would.
  for (let index = 0; index < mib * 16; index++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
  socket.write("0\r\n\r\n")
  const statuses = () => [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1])
  const until = async (count: number) => {
    const deadline = Date.now() + 5_000
    while (statuses().length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await until(1)
  // The sign-in page: a route anyone may load with a 200.
  socket.write(`GET /signin HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
  await until(2)
  socket.destroy()
  return statuses()
}

describe("a refused request body does not stall the connection it came on", () => {
  it("answers the next request on the same connection after a chunked body's 413", async () => {
    // Past the 8 MiB limit of a create's body.
    expect(await refusedThenNext("/api/share", "", 9)).toEqual(["413", "200"])
  })

  it("answers the next request after a streamed sync body refused part way (malformed after its first bytes)", async () => {
    // The sync route reads its body as a stream and stops at the first bad token: the rest is still drained.
    expect(await refusedThenNext("/api/share/no-such-share/sync", '{"secret":"s","data":[}', 5)).toEqual(["400", "200"])
  })
})
