import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

/** The real OpenCode CLI (npm `opencode-ai`), run offline in scratch folders of its own. */
const require = createRequire(import.meta.url)
const manifestPath = require.resolve("opencode-ai/package.json")
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin: { opencode: string } }
const opencodeBin = join(dirname(manifestPath), manifest.bin.opencode)

export type OpencodeHome = { project: string; env: NodeJS.ProcessEnv }

/** Fresh home, data, config and cache folders, and a project whose opencode.json is `config`. */
export function opencodeHome(config: Record<string, unknown>): OpencodeHome {
  const root = mkdtempSync(join(tmpdir(), "cloudsession-opencode-"))
  const project = join(root, "project")
  for (const dir of ["home", "data", "config", "cache", "state", "project"]) mkdirSync(join(root, dir))
  writeFileSync(join(project, "opencode.json"), JSON.stringify(config, null, 2))
  const env = {
    PATH: process.env.PATH,
    HOME: join(root, "home"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_CACHE_HOME: join(root, "cache"),
    XDG_STATE_HOME: join(root, "state"),
    OPENCODE_DISABLE_AUTOUPDATE: "true",
    // Offline: no catalogue fetch, no LSP or plugin downloads (each would wait for a network that is not there).
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "true",
  }
  return { project, env }
}

/** A config that talks to `llmBaseURL` for its model and shares to `shareServer` (`enterprise.url`). */
export function mockModelConfig(llmBaseURL: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    $schema: "https://opencode.ai/config.json",
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock",
        options: { baseURL: llmBaseURL, apiKey: "not-a-key" },
        models: { "mock-model": { name: "Mock model", tool_call: true } },
      },
    },
    model: "mock/mock-model",
    small_model: "mock/mock-model",
    ...extra,
  }
}

export type RunResult = { status: number | null; stdout: string; stderr: string }

export function runOpencode(home: OpencodeHome, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opencodeBin, args, { cwd: home.project, env: home.env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data) => {
      stdout += data
    })
    child.stderr.on("data", (data) => {
      stderr += data
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", reject)
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}
