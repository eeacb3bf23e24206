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
