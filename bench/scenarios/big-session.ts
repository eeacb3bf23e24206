import { readdirSync, readFileSync } from "node:fs"
import { openStore, type RpcConnection, ShareClient } from "@cloudsession/client"
import type { ShareInfo, SyncData, SyncResult } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { round } from "../stats.ts"
import { lastMessageID, measurePage } from "./page-first-paint.ts"

const PARTS = 10_000
const BIG_ITEMS = 20
const MIB = 1024 * 1024

/**
 * A realistic long session of about 100 MiB: 10 000 parts over 1 000 turns, most a few KiB of text or tool output,
 * and 20 items over 1 MiB (pasted screenshots, a lock file in a tool result).
 */
export function bigSession(sessionID: string): SyncData[] {
  const items: SyncData[] = [{ type: "session", data: makeSession(sessionID, { title: "A long session" }) }]
  const turns = PARTS / 10
  for (let turn = 0; turn < turns; turn++)
    items.push({ type: "message", data: makeMessage(sessionID, turn, turn % 2 === 0 ? "user" : "assistant") })
  for (let index = 0; index < PARTS; index++) {
    const messageID = `msg_${String(index % turns).padStart(8, "0")}`
    const big = index % (PARTS / BIG_ITEMS) === 7
    const size = big ? Math.round(1.5 * MIB) + index : 6_000 + (index % 13) * 40
    const text = `part ${index}: ${"lorem ipsum dolor sit amet ".repeat(Math.ceil(size / 27))}`.slice(0, size)
    items.push({ type: "part", data: makeTextPart(sessionID, messageID, index, text) })
  }
  return items
}

function parentOf(pid: string): string | undefined {
  try {
    // The command name in parentheses may hold spaces: the fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]
  } catch {
    return undefined
  }
}

function descendsFrom(pid: string, root: string): boolean {
  for (let current: string | undefined = pid, hops = 0; current !== undefined && hops < 16; hops++) {
    if (current === root) return true
    current = parentOf(current)
  }
  return false
}

/**
 * This Worker's workerd processes (Linux /proc: those under the wrangler process that started it, not other
 * workerd instances on the machine), found once: scanning /proc while sampling would load the box.
 */
function workerdPids(root: number): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, "utf8")
        return command.includes("workerd") && descendsFrom(pid, String(root))
      } catch {
        return false
      }
    })
}

/** Resident memory of those processes, in bytes. */
function rssOf(pids: string[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8")
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
    } catch {
      // The process ended.
    }
  }
  return total
}

/** Peak RSS while `work` runs, sampled every 100 ms, against the level just before. */
async function withPeakMemory<T>(
  workerPid: number,
  work: () => Promise<T>,
): Promise<{ value: T; baseMiB: number; peakMiB: number }> {
  const pids = workerdPids(workerPid)
  const base = rssOf(pids)
  let peak = base
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pids))
  }, 100)
  try {
    const value = await work()
    return { value, baseMiB: round(base / MIB), peakMiB: round(Math.max(peak, rssOf(pids)) / MIB) }
  } finally {
    clearInterval(timer)
  }
}

async function post(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`)
  return response.json()
}

async function partCount(base: string, shareID: string): Promise<number> {
  const response = await fetch(`${base}/api/share/${shareID}/metadata`)
  return ((await response.json()) as { partCount: number }).partCount
}

/** The share page of the stored session: first paint of its latest turn and bytes before scrolling (5 loads). */
async function pageFigures(base: string, shareID: string, items: SyncData[]) {
  const page = await measurePage(base, shareID, lastMessageID(items), 5)
  return {
    pageFirstPaintP50Ms: page.firstPaintMedianMs,
    pageKiB: page.transferredMedianKiB,
    latestTurnShown: page.latestTurnInFirstDocument,
  }
}

/**
 * Scenario 7: the 100 MiB session shared the way upstream OpenCode does (create, then its whole history as one
 * `POST /sync`) and through `/rpc` with this project's client (batches), with the Worker's peak memory.
 */
export async function bigSessionShare(base: string, workerPid: number, connection: RpcConnection, storePath: string) {
  const rows = []
  {
    const sessionID = `ses_bench_big_http_${Date.now()}`
    const items = bigSession(sessionID)
    const share = (await post(`${base}/api/share`, JSON.stringify({ sessionID }))) as ShareInfo
    const body = JSON.stringify({ secret: share.secret, data: items })
    const started = performance.now()
    const measured = await withPeakMemory(workerPid, () => post(`${base}/api/share/${share.id}/sync`, body))
    const seconds = (performance.now() - started) / 1000
    const result = measured.value as SyncResult
    rows.push({
      path: "upstream HTTP (one POST /sync)",
      items: items.length,
      MiB: round(body.length / MIB),
      seconds: round(seconds),
      MiBps: round(body.length / MIB / seconds),
      workerBaseMiB: measured.baseMiB,
      workerPeakMiB: measured.peakMiB,
      stored: await partCount(base, share.id),
      refused: result.refused.length,
      ...(await pageFigures(base, share.id, items)),
    })
  }
  {
    const sessionID = `ses_bench_big_rpc_${Date.now()}`
    const items = bigSession(sessionID)
    const bytes = JSON.stringify(items).length
    const started = performance.now()
    const store = await openStore(storePath)
    // The client as users run it, less secret redaction (its cost is the client's, not the transport's).
    const client = new ShareClient({ store, link: connection, server: base, redaction: { enabled: false } })
    const measured = await withPeakMemory(workerPid, async () => (await client.share(sessionID, items)).share)
    client.close()
    store.close()
    const seconds = (performance.now() - started) / 1000
    rows.push({
      path: "/rpc (client batches)",
      items: items.length,
      MiB: round(bytes / MIB),
      seconds: round(seconds),
      MiBps: round(bytes / MIB / seconds),
      workerBaseMiB: measured.baseMiB,
      workerPeakMiB: measured.peakMiB,
      stored: await partCount(base, measured.value.id),
      refused: 0,
      ...(await pageFigures(base, measured.value.id, items)),
    })
  }
  return rows
}
