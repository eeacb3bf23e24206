import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type {} from "vitest"
import type { TestProject } from "vitest/node"
import { startLocalWorker } from "../../server/scripts/local-worker.mjs"

/** The token the test Worker accepts on /rpc. */
export const TEST_TOKEN = "opencode-plugin-test-token"

declare module "vitest" {
  export interface ProvidedContext {
    workerUrl: string
    rpcToken: string
  }
}

/** One real local Worker (wrangler dev on workerd, fresh state) shared by the plugin's test files. */
export default async function setup(project: TestProject) {
  const state = mkdtempSync(join(tmpdir(), "cloudsession-opencode-worker-"))
  const worker = await startLocalWorker({ persistTo: state, vars: { RPC_TOKENS: TEST_TOKEN } })
  project.provide("workerUrl", worker.url)
  project.provide("rpcToken", TEST_TOKEN)
  return async () => {
    await worker.stop()
    rmSync(state, { recursive: true, force: true })
  }
}
