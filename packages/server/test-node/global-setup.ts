import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type {} from "vitest"
import type { TestProject } from "vitest/node"
import { startLocalWorker } from "../scripts/local-worker.mjs"

/** Tokens the local Worker accepts on /rpc during Node-side tests (two, to exercise rotation). */
export const TEST_TOKENS = ["node-test-token-current", "node-test-token-next"]

declare module "vitest" {
  export interface ProvidedContext {
    workerUrl: string
    rpcToken: string
  }
}

/** One real local Worker (wrangler dev on workerd, fresh local state) shared by the Node-side test files. */
export default async function setup(project: TestProject) {
  const state = mkdtempSync(join(tmpdir(), "cloudsession-node-test-"))
  // Browser tests create their shares over HTTP without a token, many a minute from one address.
  const vars = { RPC_TOKENS: TEST_TOKENS.join(","), ANONYMOUS_CREATES_PER_MINUTE: "100000" }
  const worker = await startLocalWorker({ persistTo: state, vars })
  project.provide("workerUrl", worker.url)
  project.provide("rpcToken", TEST_TOKENS[0] ?? "")
  return async () => {
    await worker.stop()
    rmSync(state, { recursive: true, force: true })
  }
}
