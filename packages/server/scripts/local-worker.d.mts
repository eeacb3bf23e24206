import type { ChildProcess } from "node:child_process"

export const QUIET_ENV: Record<string, string>
export function freePort(): Promise<number>
export type LocalWorker = { url: string; port: number; stop: () => Promise<void>; process: ChildProcess }
export function startLocalWorker(options?: {
  port?: number
  persistTo?: string
  vars?: Record<string, string>
  inspectorPort?: number
  log?: boolean
}): Promise<LocalWorker>
