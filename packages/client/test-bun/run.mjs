// `npm run test:bun`: start a local Worker with Node (wrangler needs it), run the Bun smoke test against it.
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLocalWorker } from "../../server/scripts/local-worker.mjs"

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const bun = resolve(packageDir, "../../node_modules/.bin/bun")
const token = "bun-test-token"
const state = mkdtempSync(join(tmpdir(), "cloudsession-bun-worker-"))
const worker = await startLocalWorker({ persistTo: state, vars: { RPC_TOKENS: token } })
try {
  const result = spawnSync(bun, ["run", join(packageDir, "test-bun/smoke.ts")], {
    cwd: packageDir,
    stdio: "inherit",
    env: { ...process.env, CLOUDSESSION_TEST_URL: worker.url, CLOUDSESSION_TEST_TOKEN: token },
    timeout: 120_000,
  })
  process.exitCode = result.status ?? 1
} finally {
  await worker.stop()
  rmSync(state, { recursive: true, force: true })
}
