import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chromium, type Page } from "playwright-core"
import WebSocket from "ws"
import { startMockLlm } from "../../packages/opencode/test/support/mock-llm.ts"
import { createProject, type Project, poll, serveOpencode } from "../../packages/opencode/test/support/opencode.ts"
import { newSession, prompt, type SessionInfo } from "../../packages/opencode/test/support/served-session.ts"
import { startLocalWorker } from "../../packages/server/scripts/local-worker.mjs"
import { BENCH_VARS } from "../http.ts"
import { percentile, round } from "../stats.ts"

const TURNS = 3
const WORDS = 50
const WORD_EVERY_MS = 40

/**
 * A second plugin next to the one measured: it writes down when OpenCode publishes each streamed word (the
 * `message.part.delta` event a plugin receives), in OpenCode's own process.
 */
const PROBE = `import { appendFileSync } from "node:fs"
export default { id: "bench-probe", server: async () => ({ event: async ({ event }) => {
  if (event.type !== "message.part.delta") return
  const word = /w(\\d+)/.exec(event.properties.delta)
  if (word) appendFileSync(process.env.BENCH_PROBE_FILE, Date.now() + " " + word[1] + " " + event.properties.partID + "\\n")
} }) }
`

/** In the viewer's page: every change of a text part's rendered words, with the time it happened. */
const OBSERVER = `(() => {
  window.__marks = []
  const record = () => {
    const at = Date.now()
    for (const element of document.querySelectorAll(".part.kind-text")) {
      const words = element.textContent.match(/w(\\d+)/g)
      if (words) window.__marks.push([at, element.id, Math.max(...words.map((word) => Number(word.slice(1))))])
    }
  }
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true })
  record()
})()`

type Mark = [number, string, number]

/** Sockets standing for more readers: each says it comes from its own address (viewers are capped per address). */
async function openViewerSockets(workerUrl: string, shareID: string, count: number): Promise<WebSocket[]> {
  const url = `${workerUrl.replace(/^http/, "ws")}/ws/${shareID}`
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const socket = new WebSocket(url, {
        headers: { "CF-Connecting-IP": `198.19.${Math.floor(index / 250)}.${(index % 250) + 1}` },
      })
      socket.on("message", () => {})
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve())
        socket.once("error", reject)
      })
      return socket
    }),
  )
}

/** Delays from each word's event in OpenCode to its first appearance in the viewer's DOM. */
function delays(probeFile: string, marks: Mark[]): { values: number[]; missed: number } {
  const events = readFileSync(probeFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(" "))
  const values: number[] = []
  let missed = 0
  for (const [at, word, partID] of events) {
    const shown = marks.find((mark) => mark[1] === `part-${partID}` && mark[2] >= Number(word))
    if (shown === undefined) missed += 1
    else values.push(shown[0] - Number(at))
  }
  return { values, missed }
}

async function measure(
  label: string,
  project: Project,
  page: Page,
  workerUrl: string,
  viewers: number,
  probeFile: string,
): Promise<Record<string, string | number>> {
  mkdirSync(join(project.dir, ".opencode", "plugin"), { recursive: true })
  writeFileSync(join(project.dir, ".opencode", "plugin", "probe.ts"), PROBE)
  const served = await serveOpencode(project, { BENCH_PROBE_FILE: probeFile })
  try {
    const session = await newSession(served)
    await prompt(served, session.id, "warm up")
    const url = await poll("the session to be shared", async () => {
      const info = await served.api<SessionInfo>("GET", `/session/${session.id}`)
      return info.share?.url
    })
    const shareID = url.split("/").at(-1) ?? ""
    const sockets = await openViewerSockets(workerUrl, shareID, viewers - 1)
    await page.goto(url)
    await page.evaluate(OBSERVER)
    writeFileSync(probeFile, "")
    for (let turn = 0; turn < TURNS; turn++) {
      await prompt(served, session.id, `turn ${turn} [[count ${WORDS} every ${WORD_EVERY_MS}]]`)
      // The next turn starts once this one is on the page (bounded: a missed word counts as missed).
      await page
        .waitForFunction(
          `new Set(window.__marks.filter((m) => m[2] >= ${WORDS}).map((m) => m[1])).size > ${turn}`,
          undefined,
          {
            timeout: 15_000,
          },
        )
        .catch(() => {})
    }
    const marks = (await page.evaluate("window.__marks")) as Mark[]
    for (const socket of sockets) socket.close()
    const { values, missed } = delays(probeFile, marks)
    return {
      client: label,
      viewers,
      words: values.length + missed,
      "p50 ms": round(percentile(values, 0.5), 0),
      "p99 ms": round(percentile(values, 0.99), 0),
      "max ms": round(Math.max(...values), 0),
      missed,
    }
  } finally {
    await served.stop()
  }
}

/**
 * Scenario 7: the real `opencode serve` streaming answers (mock LLM: 50 words 40 ms apart, 3 turns), shared
 * through the plugin over /rpc and, for comparison, through OpenCode's built-in HTTP share client (its 1 s
 * window); time from OpenCode's part event to the word in a viewer page's DOM (Chromium), with 1 viewer and with
 * 100 (one page plus 99 viewer sockets on the same share).
 */
export async function opencodeLatency(scratch: string, token: string) {
  const llm = await startMockLlm()
  const worker = await startLocalWorker({
    persistTo: join(scratch, "opencode"),
    vars: { RPC_TOKENS: token, ...BENCH_VARS },
  })
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  })
  const projects: Project[] = []
  const rows: Record<string, string | number>[] = []
  try {
    // The share page's CSP forbids eval; the measuring observer is the benchmark's, not the page's.
    const page = await (await browser.newContext({ bypassCSP: true })).newPage()
    for (const viewers of [1, 100]) {
      const plugin = createProject({ llmUrl: llm.url, plugin: { url: worker.url, token, mode: "auto" } })
      const builtIn = createProject({ llmUrl: llm.url, plugin: false, share: "auto", enterpriseUrl: worker.url })
      projects.push(plugin, builtIn)
      const probe = (project: Project) => join(project.root, "probe.log")
      rows.push(await measure("plugin, /rpc", plugin, page, worker.url, viewers, probe(plugin)))
      rows.push(await measure("built-in HTTP", builtIn, page, worker.url, viewers, probe(builtIn)))
    }
  } finally {
    await browser.close()
    await worker.stop()
    await llm.close()
    for (const project of projects) project.remove()
  }
  const p50 = (client: string, viewers: number) =>
    Number(rows.find((row) => row.client === client && row.viewers === viewers)?.["p50 ms"])
  return rows.map((row) => ({
    ...row,
    "p50 vs plugin": round(p50(String(row.client), Number(row.viewers)) / p50("plugin, /rpc", Number(row.viewers)), 1),
  }))
}
