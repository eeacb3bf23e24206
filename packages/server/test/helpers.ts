import { SELF } from "cloudflare:test"
import type { ShareInfo, ShareSnapshot, SyncData, SyncResult } from "@cloudsession/protocol"
import { expect } from "vitest"

export const BASE = "https://cloudsession.test"

export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const body = init.json === undefined ? init.body : JSON.stringify(init.json)
  if (init.json !== undefined) headers.set("content-type", "application/json")
  return SELF.fetch(`${BASE}${path}`, { ...init, headers, body })
}

/** The token vitest.config.ts configures first (`RPC_TOKENS`): what the server's owner holds. */
export const OWNER_TOKEN = "test-token-current"

/** A request as the server's owner makes it: with a bearer token (listings and the owner's routes need one). */
export async function ownerApi(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  headers.set("Authorization", `Bearer ${OWNER_TOKEN}`)
  return api(path, { ...init, headers })
}

export async function createShare(sessionID: string, initialData?: SyncData[]): Promise<ShareInfo> {
  const response = await api("/api/share", { method: "POST", json: { sessionID, initialData } })
  expect(response.status).toBe(201)
  return (await response.json()) as ShareInfo
}

export async function syncShare(share: ShareInfo, data: SyncData[], batchID?: string): Promise<SyncResult> {
  const response = await api(`/api/share/${share.id}/sync`, {
    method: "POST",
    json: { secret: share.secret, data, batchID },
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as SyncResult
}

export async function getShare(id: string): Promise<ShareSnapshot> {
  const response = await api(`/api/share/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as ShareSnapshot
}

export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } }
  return body.error
}

let counter = 0
/** A session id unique within the run, so tests sharing storage do not collide. */
export function uniqueSessionID(label: string): string {
  counter += 1
  return `ses_${label}_${Date.now().toString(36)}_${counter}`
}

/** `text` as a request body that arrives in chunks of `size` bytes (a chunk may end inside a character). */
export function chunkedBody(text: string, size = 64 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
    },
  })
}
