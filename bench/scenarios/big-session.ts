import { openStore, type RpcConnection, ShareClient } from "@cloudsession/client"
import type { SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { HttpApi } from "../http.ts"
import { round } from "../stats.ts"
import { measureWorkerd } from "../workerd-memory.ts"
import { lastMessageID, measurePage } from "./page-first-paint.ts"

const PARTS = 10_000
const BIG_ITEMS = 20
const MIB = 1024 * 1024

/**
 * A realistic long session: `parts` parts over `parts / 10` turns, most a few KiB of text or tool output, and
 * `bigItems` of them over 1 MiB (pasted screenshots, a lock file in a tool result), spread through it.
 */
export function sessionItems(sessionID: string, parts: number, bigItems: number): SyncData[] {
  const items: SyncData[] = [{ type: "session", data: makeSession(sessionID, { title: "A long session" }) }]
  const turns = Math.max(1, Math.round(parts / 10))
  for (let turn = 0; turn < turns; turn++)
    items.push({ type: "message", data: makeMessage(sessionID, turn, turn % 2 === 0 ? "user" : "assistant") })
  const stride = bigItems > 0 ? Math.floor(parts / bigItems) : Number.POSITIVE_INFINITY
  for (let index = 0; index < parts; index++) {
    const messageID = `msg_${String(index % turns).padStart(8, "0")}`
    const big = index % stride === 7 && Math.floor(index / stride) < bigItems
    const size = big ? Math.round(1.5 * MIB) + index : 6_000 + (index % 13) * 40
    const text = `part ${index}: ${"lorem ipsum dolor sit amet ".repeat(Math.ceil(size / 27))}`.slice(0, size)
    items.push({ type: "part", data: makeTextPart(sessionID, messageID, index, text) })
  }
  return items
}

/** The 100 MiB session: 10 000 parts over 1 000 turns, 20 of them over 1 MiB. */
export function bigSession(sessionID: string): SyncData[] {
  return sessionItems(sessionID, PARTS, BIG_ITEMS)
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
  const api = new HttpApi(base)
  const rows = []
  {
    const sessionID = `ses_bench_big_http_${Date.now()}`
    const items = bigSession(sessionID)
    const share = await api.create(sessionID)
    const body = JSON.stringify({ secret: share.secret, data: items })
    const measured = await measureWorkerd(workerPid, () => api.syncText(share.id, body))
    const seconds = measured.ms / 1000
    rows.push({
      path: "upstream HTTP (one POST /sync)",
      items: items.length,
      MiB: round(body.length / MIB),
      seconds: round(seconds),
      MiBps: round(body.length / MIB / seconds),
      workerBaseMiB: measured.idleMiB,
      workerPeakMiB: round(measured.idleMiB + measured.peakAboveIdleMiB, 1),
      stored: await api.partCount(share.id),
      refused: measured.value.refused.length,
      ...(await pageFigures(base, share.id, items)),
    })
  }
  {
    const sessionID = `ses_bench_big_rpc_${Date.now()}`
    const items = bigSession(sessionID)
    const bytes = JSON.stringify(items).length
    const measured = await measureWorkerd(workerPid, async () => {
      const store = await openStore(storePath)
      // The client as users run it, less secret redaction (its cost is the client's, not the transport's).
      const client = new ShareClient({ store, link: connection, server: base, redaction: { enabled: false } })
      try {
        return (await client.share(sessionID, items)).share
      } finally {
        client.close()
        store.close()
      }
    })
    const seconds = measured.ms / 1000
    rows.push({
      path: "/rpc (client batches)",
      items: items.length,
      MiB: round(bytes / MIB),
      seconds: round(seconds),
      MiBps: round(bytes / MIB / seconds),
      workerBaseMiB: measured.idleMiB,
      workerPeakMiB: round(measured.idleMiB + measured.peakAboveIdleMiB, 1),
      stored: await api.partCount(measured.value.id),
      refused: 0,
      ...(await pageFigures(base, measured.value.id, items)),
    })
  }
  return rows
}
