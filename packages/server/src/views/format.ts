/** Small, pure display helpers shared by the page components. */

/** `2023-11-14 22:13:20 UTC`: one unambiguous form, the same on the server and in every viewer's page. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ""
  const date = new Date(ms)
  if (Number.isNaN(date.getTime())) return ""
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`
}

export function isoTime(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** Tool output can be megabytes; the page shows the head and says how much was left out. */
export const DISPLAY_LIMIT = 20_000

export function clip(text: string, limit = DISPLAY_LIMIT): { text: string; omitted: number } {
  if (text.length <= limit) return { text, omitted: 0 }
  return { text: text.slice(0, limit), omitted: text.length - limit }
}

/** Pretty JSON for tool inputs and unknown part types; never throws (cycles cannot arrive over JSON anyway). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? ""
  } catch {
    return String(value)
  }
}

type Loose = Record<string, unknown>

export function isRecord(value: unknown): value is Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/** Read a string field of a loosely typed object (OpenCode objects are stored as the agent sent them). */
export function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined
  const field = value[key]
  return typeof field === "string" ? field : undefined
}

export function numberField(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined
  const field = value[key]
  return typeof field === "number" && Number.isFinite(field) ? field : undefined
}

export function recordField(value: unknown, key: string): Loose | undefined {
  if (!isRecord(value)) return undefined
  const field = value[key]
  return isRecord(field) ? field : undefined
}

/** `1 file`, `3 files`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`
}

/** `420 ms`, `3.2 s`, `2 min 5 s`: how long a tool call, a thought or a turn took. */
export function formatDuration(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** `830`, `12.4k`, `1.2M`: token counts as people read them. */
export function formatCount(count: number): string {
  if (count < 1000) return String(Math.round(count))
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`
  return `${(count / 1_000_000).toFixed(1)}M`
}

/** `$0.0123`; cents once it is worth more than a dollar. */
export function formatCost(cost: number): string {
  return cost >= 1 ? `$${cost.toFixed(2)}` : `$${cost.toFixed(4)}`
}

/** The last `segments` path segments: `…/views/head.tsx` reads better in a one-line summary than a full path. */
export function shortPath(path: string, segments = 3): string {
  const parts = path.split("/").filter((part) => part !== "")
  return parts.length <= segments ? path : `…/${parts.slice(-segments).join("/")}`
}
