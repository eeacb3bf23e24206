import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { exportJWK, generateKeyPair, type JWK } from "jose"
import type {} from "vitest"
import type { TestProject } from "vitest/node"
import { startLocalWorker } from "../scripts/local-worker.mjs"

/** Tokens the local Worker accepts on /rpc during Node-side tests (two, to exercise rotation). */
export const TEST_TOKENS = ["node-test-token-current", "node-test-token-next"]

declare module "vitest" {
  export interface ProvidedContext {
    workerUrl: string
    rpcToken: string
    /** The stand-in Access team (a loopback key server) the Worker fetches its keys from, and its signing key. */
    accessTeam: string
    accessAud: string
    accessSigningKey: JWK
  }
}

export const ACCESS_AUD = "node-test-access-aud"

/**
 * A stand-in for an Access team's key endpoint on loopback: `/cdn-cgi/access/certs` serves the team's public key as
 * Access does, and `/fetches` says how often the Worker asked for it.
 */
async function startKeyServer(): Promise<{ server: Server; url: string; signingKey: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true })
  const certs = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "node-test-key", alg: "RS256" }] })
  let fetches = 0
  const server = createServer((request, response) => {
    if (request.url === "/cdn-cgi/access/certs") {
      fetches += 1
      response.writeHead(200, { "content-type": "application/json" }).end(certs)
      return
    }
    if (request.url === "/fetches") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ fetches }))
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}`, signingKey: await exportJWK(privateKey) }
}

/** One real local Worker (wrangler dev on workerd, fresh local state) shared by the Node-side test files. */
export default async function setup(project: TestProject) {
  const state = mkdtempSync(join(tmpdir(), "cloudsession-node-test-"))
  // Browser tests create their shares over HTTP without a token, many a minute from one address.
  const keys = await startKeyServer()
  const vars = {
    RPC_TOKENS: TEST_TOKENS.join(","),
    ANONYMOUS_CREATES_PER_MINUTE: "100000",
    ACCESS_TEAM_DOMAIN: keys.url,
    ACCESS_AUD,
  }
  const worker = await startLocalWorker({ persistTo: state, vars })
  project.provide("workerUrl", worker.url)
  project.provide("rpcToken", TEST_TOKENS[0] ?? "")
  project.provide("accessTeam", keys.url)
  project.provide("accessAud", ACCESS_AUD)
  project.provide("accessSigningKey", keys.signingKey)
  return async () => {
    await worker.stop()
    await new Promise((resolve) => keys.server.close(resolve))
    rmSync(state, { recursive: true, force: true })
  }
}
