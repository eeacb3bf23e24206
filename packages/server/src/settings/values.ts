/** How a Worker var's text becomes a value: the parsers every setting goes through. */

/** A positive integer setting from a Worker var, capped at `ceiling`; anything else falls back to the default. */
export function positiveInt(value: string | undefined, fallback: number, ceiling: number): number {
  const parsed = Number.parseInt(value ?? "", 10)
  if (!Number.isSafeInteger(parsed) || parsed <= 0) return fallback
  return Math.min(parsed, ceiling)
}

/** Entries of a comma- or newline-separated setting, trimmed, empty ones dropped. */
export function listSetting(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
}

/** A switch: on only when the var says "true" (any case, surrounding space ignored). */
export function isOn(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === "true"
}
