/**
 * Scenario 12's client row, run as a process of its own (`bench/.build/huge-client.mjs`, started by
 * `scenarios/huge-item.ts`) so its resident memory is the client's alone: shares a session holding one text part
 * of `BENCH_HUGE_MIB` MiB with `ShareClient` (redaction on, as users run it, unless `BENCH_CLIENT_REDACTION=off`)
 * and prints one JSON line of figures.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { connect, openStore, ShareClient } from "@cloudsession/client"
import { hugePartItems, hugeText, MIB } from "./huge-text.ts"

function statusMiB(field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync("/proc/self/status", "utf8")
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024
}

function required(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`${name} is not set`)
  return value
}

async function run() {
  const url = required("BENCH_URL")
  const sizeMiB = Number(required("BENCH_HUGE_MIB"))
  const sessionID = `ses_bench_huge_client_${Date.now()}`
  const { items, partID } = hugePartItems(sessionID, hugeText(sizeMiB * MIB).text)
  // Count what goes over the streamed HTTP sync (the client's only fetch to a sync URL); RPC is a WebSocket.
  const httpSyncs: { bytes: number }[] = []
  const realFetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    const target = input instanceof Request ? input.url : String(input)
    if (!target.endsWith("/sync")) return realFetch(input, init)
    const sync = { bytes: typeof init?.body === "string" ? Buffer.byteLength(init.body) : 0 }
    httpSyncs.push(sync)
    const body = init?.body
    if (!(body instanceof ReadableStream)) return realFetch(input, init)
    // A streamed body (the client sends the stored row as it is) is counted as it goes out.
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sync.bytes += chunk.byteLength
          controller.enqueue(chunk)
        },
      }),
    )
    return realFetch(input, { ...init, body: counted, duplex: "half" } as RequestInit)
  }
  const store = await openStore(required("BENCH_STORE"))
  const connection = await connect({ url, token: required("BENCH_TOKEN") })
  // The peak from here on is the share's: reset the kernel's high-water mark (Linux clear_refs) once the item exists.
  writeFileSync("/proc/self/clear_refs", "5")
  const baseMiB = statusMiB("VmRSS")
  const started = performance.now()
  // BENCH_CLIENT_REDACTION=off: the client's own redaction left out (the server still redacts what HTTP brings).
  const redaction = { enabled: process.env.BENCH_CLIENT_REDACTION !== "off" }
  const client = new ShareClient({ store, link: connection, server: url, redaction })
  try {
    const outcome = await client.share(sessionID, items)
    const ms = performance.now() - started
    const figures = {
      shareID: outcome.share.id,
      partID,
      seconds: ms / 1000,
      baseMiB,
      peakMiB: statusMiB("VmHWM"),
      batches: outcome.sent.batches,
      rejected: outcome.sent.rejected.length,
      tooLarge: outcome.sent.tooLarge.length,
      httpSyncs: httpSyncs.length,
      httpSyncMiB: httpSyncs.reduce((sum, each) => sum + each.bytes, 0) / MIB,
    }
    process.stdout.write(`${JSON.stringify(figures)}\n`)
  } finally {
    client.close()
    connection.close()
    store.close()
  }
}

await run()
