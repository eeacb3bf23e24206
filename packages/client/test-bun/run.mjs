// `npm run test:bun` (also the end of `npm test`): the client's test files under Bun's test runner (`bun test` reads
// their `import ... from "vitest"` as bun:test), so the library, its bun:sqlite store and Bun's own WebSocket, and the
// CLI run by Bun, meet the same assertions as on Node. The shared local Worker is started here, as
// test/global-setup.ts does for vitest; tests that restart a Worker of their own start it with startLocalWorker,
// which runs wrangler on Node even when called from Bun.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { startLocalWorker } from "../../server/scripts/local-worker.mjs"

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const bun = resolve(packageDir, "../../node_modules/.bin/bun")
const token = "bun-test-token"
// Every test file; none is left out (the few tests Bun cannot run are skipped inside their files, saying why).
const files = readdirSync(join(packageDir, "test"))
  .filter((name) => name.endsWith(".test.ts"))
  .sort()
  .map((name) => `./test/${name}`)
const state = mkdtempSync(join(tmpdir(), "cloudsession-bun-worker-"))
const worker = await startLocalWorker({ persistTo: state, vars: { RPC_TOKENS: token } })
try {
  const result = spawnSync(bun, ["test", "--timeout", "90000", ...files], {
    cwd: packageDir,
    stdio: "inherit",
    env: {
      ...process.env,
      CLOUDSESSION_TEST_URL: worker.url,
      CLOUDSESSION_TEST_TOKEN: token,
    },
    timeout: 300_000,
  })
  if (result.error) console.error(`bun test: ${result.error.message}`)
  process.exitCode = result.status ?? 1
} finally {
  await worker.stop()
  rmSync(state, { recursive: true, force: true })
}
