/** Most characters of an error message that are logged or echoed: enough to diagnose, too few to dump a payload. */
export const MAX_ERROR_TEXT_CHARS = 200

export function truncated(text: string): string {
  return text.length <= MAX_ERROR_TEXT_CHARS ? text : `${text.slice(0, MAX_ERROR_TEXT_CHARS)}…`
}

/** Log a server fault. Only the start of its message: it may quote request data, where secrets travel. */
export function logServerFault(context: string, error: unknown): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  console.error(`${context}: ${truncated(detail)}`)
}
