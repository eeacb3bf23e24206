import { readdirSync, readFileSync } from "node:fs"
import { now, round } from "./stats.ts"

const SAMPLE_MS = 5
/** Let the last request's work settle (its memory is freed or not) before the level "just before" is read. */
const SETTLE_MS = 300

/**
 * The Worker's workerd processes (Linux /proc): those below the wrangler process that started it, not other workerd
 * instances on the machine. Found once per measurement: scanning /proc while sampling would load the box.
 */
export function workerdPids(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name in parentheses may hold spaces: the fields after its closing parenthesis are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)])
    } catch {
      // The process ended meanwhile.
    }
  }
  const found: number[] = []
  const walk = (at: number) => {
    for (const child of children.get(at) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd") found.push(child)
      } catch {
        // The process ended meanwhile.
      }
      walk(child)
    }
  }
  walk(root)
  return found
}

/** Resident memory of those processes together, in MiB. */
export function rssMiB(pids: number[]): number {
  let kib = 0
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8")
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    } catch {
      // wrangler replaced that workerd meanwhile.
    }
  }
  return kib / 1024
}

export type MemoryFigures<T> = {
  value: T
  /** workerd's resident memory just before the work, MiB. */
  idleMiB: number
  /** The highest resident memory seen while the work ran (sampled every 5 ms), above `idleMiB`. */
  peakAboveIdleMiB: number
  /** How long the work took. */
  ms: number
}

/** Run `work` while sampling the resident memory of the workerd processes under `wranglerPid`. */
export async function measureWorkerd<T>(wranglerPid: number, work: () => Promise<T>): Promise<MemoryFigures<T>> {
  const pids = workerdPids(wranglerPid)
  if (pids.length === 0) throw new Error(`no workerd process found under wrangler (pid ${wranglerPid})`)
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const idle = rssMiB(pids)
  let peak = idle
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pids))
  }, SAMPLE_MS)
  const started = now()
  try {
    const value = await work()
    const ms = now() - started
    peak = Math.max(peak, rssMiB(pids))
    return { value, idleMiB: round(idle, 1), peakAboveIdleMiB: round(peak - idle, 1), ms: round(ms, 0) }
  } finally {
    clearInterval(sampler)
  }
}
