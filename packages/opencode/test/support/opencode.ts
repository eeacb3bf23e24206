import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { freePort } from "../../../server/scripts/local-worker.mjs"

/** The repository root: found upwards from this file, which the benchmark also runs from its bundle elsewhere. */
function repositoryRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "packages", "opencode", "package.json"))) return dir
  }
  throw new Error(`no cloudsession checkout above ${start}`)
}

export const repoDir = repositoryRoot(import.meta.dirname)
export const packageDir = join(repoDir, "packages", "opencode")
/** The `opencode` binary npm installed from `opencode-ai` (its platform package is an optional dependency). */
export const opencodeBin = join(repoDir, "node_modules", ".bin", "opencode")
/** The plugin as OpenCode loads it: its entry module, a TypeScript file Bun runs as it is. */
export const pluginEntry = pathToFileURL(join(packageDir, "src", "index.ts")).href

export type PluginConfig = Record<string, unknown>

export type ProjectOptions = {
  llmUrl: string
  /** Plugin options, or `false` to run OpenCode without the plugin. */
  plugin: PluginConfig | false
  /** How the plugin is loaded: the `plugin` config entry (default) or a file in `.opencode/plugin/`. */
  load?: "config" | "file"
  /** OpenCode's own `share` setting. */
  share?: "auto" | "manual" | "disabled"
  /** OpenCode's own `enterprise.url` (where its built-in share client sends). */
  enterpriseUrl?: string
}

/** A project directory plus private HOME and XDG directories: one OpenCode "installation" per test. */
export type Project = {
  root: string
  dir: string
  env: Record<string, string>
  database: string
  logDir: string
  /** Rewrite opencode.json (to enable the plugin later, say). */
  configure(options: ProjectOptions): void
  /** Everything OpenCode logged so far. */
  log(): string
  remove(): void
}

/**
 * OpenCode installs `@opencode-ai/plugin` into each config directory (from the npm registry) unless the directory
 * already lists it as installed; declaring it as installed keeps every run offline and starting in seconds. The
 * plugin types are only for editors; nothing at run time needs them.
 */
function markPluginTypesInstalled(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true })
  const dependencies = { "@opencode-ai/plugin": "1.18.33" }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies }))
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify({ packages: { "": { dependencies } } }))
}

function writeConfig(project: { dir: string }, options: ProjectOptions): void {
  const usePlugin = options.plugin !== false && (options.load ?? "config") === "config"
  const config = {
    $schema: "https://opencode.ai/config.json",
    share: options.share ?? "manual",
    ...(options.enterpriseUrl === undefined ? {} : { enterprise: { url: options.enterpriseUrl } }),
    ...(usePlugin ? { plugin: [[pluginEntry, options.plugin]] } : {}),
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock",
        options: { baseURL: options.llmUrl, apiKey: "mock-key" },
        models: { "mock-model": { name: "Mock model", tool_call: true, reasoning: true } },
      },
    },
    model: "mock/mock-model",
    small_model: "mock/mock-model",
    permission: { bash: "allow", edit: "allow" },
  }
  writeFileSync(join(project.dir, "opencode.json"), JSON.stringify(config, null, 2))
  const pluginDir = join(project.dir, ".opencode", "plugin")
  rmSync(pluginDir, { recursive: true, force: true })
  if (options.plugin !== false && options.load === "file") {
    mkdirSync(pluginDir, { recursive: true })
    // A file plugin gets no options: the environment carries them (see `env` in the options).
    writeFileSync(join(pluginDir, "cloudsession.ts"), `export { default } from ${JSON.stringify(pluginEntry)}\n`)
  }
}

export function createProject(options: ProjectOptions, extraEnv: Record<string, string> = {}): Project {
  const root = mkdtempSync(join(tmpdir(), "cloudsession-opencode-"))
  const dir = join(root, "project")
  const dirs = { home: join(root, "home"), data: join(root, "data"), config: join(root, "config") }
  for (const path of [dir, ...Object.values(dirs), join(root, "cache"), join(root, "state")]) {
    mkdirSync(path, { recursive: true })
  }
  markPluginTypesInstalled(join(dirs.config, "opencode"))
  markPluginTypesInstalled(join(dir, ".opencode"))
  const project = { dir }
  writeConfig(project, options)
  const logDir = join(dirs.data, "opencode", "log")
  return {
    root,
    dir,
    database: join(dirs.data, "opencode", "opencode.db"),
    logDir,
    env: {
      HOME: dirs.home,
      XDG_DATA_HOME: dirs.data,
      XDG_CONFIG_HOME: dirs.config,
      XDG_CACHE_HOME: join(root, "cache"),
      XDG_STATE_HOME: join(root, "state"),
      // OpenCode takes its working directory from PWD when it is set.
      PWD: dir,
      OPENCODE_DISABLE_MODELS_FETCH: "true",
      OPENCODE_DISABLE_AUTOUPDATE: "true",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "true",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
      OPENCODE_DISABLE_CLAUDE_CODE: "true",
      OPENCODE_DISABLE_EXTERNAL_SKILLS: "true",
      CLOUDSESSION_URL: "",
      CLOUDSESSION_TOKEN: "",
      CLOUDSESSION_SHARE: "",
      ...extraEnv,
    },
    configure: (next) => writeConfig(project, next),
    log: () => {
      const files = readdirSyncSafe(logDir).sort()
      return files.map((file) => readFileSync(join(logDir, file), "utf8")).join("\n")
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

export type RunResult = { code: number | null; stdout: string; stderr: string; ms: number }

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk) => {
    stdout += chunk
  })
  child.stderr?.on("data", (chunk) => {
    stderr += chunk
  })
  return { stdout: () => stdout, stderr: () => stderr }
}

/** Stop a process we started, and everything it started (it leads its own process group). */
async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = once(child, "exit")
  try {
    process.kill(-child.pid, "SIGTERM")
  } catch {
    return
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
    } catch {}
  }, graceMs)
  await exited
  clearTimeout(timer)
}

const live = new Set<ChildProcess>()

/** Stop every OpenCode process a test started and left running (afterAll / on failure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopGroup(child)))
}

function start(project: Project, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(opencodeBin, args, {
    cwd: project.dir,
    env: { ...process.env, ...project.env, ...env },
    // stdin closed: `opencode run` reads piped input until end of file.
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  live.add(child)
  child.once("exit", () => live.delete(child))
  return child
}

/** `opencode run <prompt>`: resolves when it exits (killed after `timeoutMs`). */
export async function runOpencode(
  project: Project,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 90_000,
): Promise<RunResult> {
  const started = Date.now()
  const child = start(project, ["run", ...args], env)
  const output = collect(child)
  const timer = setTimeout(() => void stopGroup(child), timeoutMs)
  const [code] = (await once(child, "exit")) as [number | null]
  clearTimeout(timer)
  return { code, stdout: output.stdout(), stderr: output.stderr(), ms: Date.now() - started }
}

export { freePort }

export type Served = {
  url: string
  /** A call to OpenCode's HTTP API; throws on a non-2xx answer. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>
  stop(): Promise<void>
  output(): string
}

/** `opencode serve` on a free loopback port, once it answers. */
export async function serveOpencode(project: Project, env: Record<string, string> = {}): Promise<Served> {
  const port = await freePort()
  const child = start(project, ["serve", "--hostname", "127.0.0.1", "--port", String(port)], env)
  const output = collect(child)
  const url = `http://127.0.0.1:${port}`
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-opencode-directory": project.dir },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`)
    return (text === "" ? undefined : JSON.parse(text)) as T
  }
  await poll(
    "opencode serve to answer",
    async () => {
      if (child.exitCode !== null) throw new Error(`opencode serve exited ${child.exitCode}: ${output.stderr()}`)
      // The first request for the directory boots OpenCode's instance for it (plugins included): allow for that.
      return fetch(`${url}/session/status`, {
        headers: { "x-opencode-directory": project.dir },
        signal: AbortSignal.timeout(10_000),
      }).then(
        (response) => response.ok || undefined,
        () => undefined,
      )
    },
    120_000,
  )
  return {
    url,
    api,
    stop: () => stopGroup(child),
    output: () => `${output.stdout()}\n${output.stderr()}`,
  }
}

/** Poll `check` until it returns a value other than `undefined`/`false`, or fail after `timeoutMs` saying what. */
export async function poll<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${String(last)}`}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
