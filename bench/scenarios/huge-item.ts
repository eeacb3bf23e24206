import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { SyncData } from "@cloudsession/protocol"
import { makeSession } from "@cloudsession/protocol/fixtures"
import { startLocalWorker } from "../../packages/server/scripts/local-worker.mjs"
import { HttpApi } from "../http.ts"
import { hugePartItems, hugeText, MIB } from "../huge-text.ts"
import { round } from "../stats.ts"
import { measureWorkerd } from "../workerd-memory.ts"
import { type Row as ManyRow, postFigures, postOne } from "./body-memory.ts"

/** Text part sizes, MiB; the diff and the client row use `ONE_SIZE_MIB`. */
const PART_SIZES_MIB = [10, 30, 60, 90]
const ONE_SIZE_MIB = 60

type Worker = { api: HttpApi; pid: number; url: string; stop: () => Promise<void> }

/** What was read back of the huge item: its JSON through the route, timed, and whether it is what was sent. */
type ReadBack = {
  /** The text read back is the text sent with each pasted secret's context redacted, character for character. */
  exact: boolean
  lengthOK: boolean
  rawSecretsLeft: number
  readMiB: number
  readFirstByteMs: number
  readSeconds: number
  readPeakAboveIdleMiB: number
}

/** The POST's figures (`postFigures`), with the read back. */
type HugeRow = Awaited<ReturnType<typeof postFigures>> & ReadBack

/** The read route's JSON, timed, with workerd's memory while it is served; `text` takes the huge string out of it. */
async function readBack(
  worker: Worker,
  path: string,
  text: (json: unknown) => unknown,
  expected: { text: string; secrets: string[] },
): Promise<ReadBack> {
  const measured = await measureWorkerd(worker.pid, () => worker.api.timedGet(path))
  const { body, firstByteMs, totalMs } = measured.value
  const got = text(JSON.parse(body.toString("utf8")))
  const value = typeof got === "string" ? got : ""
  return {
    exact: value === expected.text,
    lengthOK: value.length === expected.text.length,
    rawSecretsLeft: expected.secrets.filter((secret) => value.includes(secret)).length,
    readMiB: round(body.byteLength / MIB, 1),
    readFirstByteMs: round(firstByteMs, 0),
    readSeconds: round(totalMs / 1000),
    readPeakAboveIdleMiB: measured.peakAboveIdleMiB,
  }
}

/** Upstream's POST of `items` (one of them huge) into a new share, with workerd's memory while it runs. */
async function postHuge(worker: Worker, sessionID: string, items: SyncData[]) {
  const share = await worker.api.create(sessionID)
  return { shareID: share.id, figures: await postFigures(worker.api, worker.pid, share, items) }
}

async function onePart(worker: Worker, sizeMiB: number): Promise<HugeRow> {
  const sessionID = `ses_bench_huge_part_${sizeMiB}_${Date.now()}`
  const sent = hugeText(sizeMiB * MIB)
  const { items, partID } = hugePartItems(sessionID, sent.text)
  const posted = await postHuge(worker, sessionID, items)
  const read = await readBack(
    worker,
    `/api/share/${posted.shareID}/part/${partID}`,
    (json) => (json as { text?: unknown }).text,
    { text: sent.expected, secrets: sent.secrets },
  )
  return { ...posted.figures, ...read }
}

async function oneDiff(worker: Worker, sizeMiB: number): Promise<HugeRow> {
  const sessionID = `ses_bench_huge_diff_${Date.now()}`
  const sent = hugeText(sizeMiB * MIB)
  const lines = sent.text.split("\n").length
  const diff = { file: "package-lock.json", before: "{}\n", after: sent.text, additions: lines, deletions: 1 }
  const items: SyncData[] = [
    { type: "session", data: makeSession(sessionID, { title: "One huge diff" }) },
    { type: "session_diff", data: [diff] },
  ]
  const posted = await postHuge(worker, sessionID, items)
  const read = await readBack(
    worker,
    `/api/share/${posted.shareID}`,
    (json) => (json as { diffs?: { after?: unknown }[] }).diffs?.[0]?.after,
    { text: sent.expected, secrets: sent.secrets },
  )
  return { ...posted.figures, ...read }
}

type ChildFigures = {
  shareID: string
  partID: string
  seconds: number
  baseMiB: number
  peakMiB: number
  batches: number
  rejected: number
  tooLarge: number
  httpSyncs: number
  httpSyncMiB: number
}

/** This file runs bundled in `bench/.build/main.mjs`, next to the client's bundle `huge-client.mjs`. */
const CLIENT_SCRIPT = fileURLToPath(new URL("huge-client.mjs", import.meta.url))

function runClient(env: Record<string, string>): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    })
    let out = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      out += chunk
    })
    child.on("error", reject)
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? ""
      if (code !== 0) reject(new Error(`huge-client exited with ${code}: ${out.slice(0, 300)}`))
      else resolve(JSON.parse(line) as ChildFigures)
    })
  })
}

/** The same part shared by `ShareClient` in a process of its own: the client's time and memory, and the Worker's. */
async function clientPart(worker: Worker, token: string, scratch: string, sizeMiB: number, redact: boolean) {
  const measured = await measureWorkerd(worker.pid, () =>
    runClient({
      BENCH_CLIENT_REDACTION: redact ? "on" : "off",
      BENCH_URL: worker.url,
      BENCH_TOKEN: token,
      BENCH_HUGE_MIB: String(sizeMiB),
      BENCH_STORE: join(mkdtempSync(join(scratch, "huge-client-")), "share.db"),
    }),
  )
  const child = measured.value
  // The same deterministic text the child built: redacted by the client, or (its user opted out, so the server
  // stores it as sent too) exactly as it was, secrets and all.
  const sent = hugeText(sizeMiB * MIB)
  const read = await readBack(
    worker,
    `/api/share/${child.shareID}/part/${child.partID}`,
    (json) => (json as { text?: unknown }).text,
    { text: redact ? sent.expected : sent.text, secrets: sent.secrets },
  )
  return {
    seconds: round(child.seconds),
    MiBps: round(sizeMiB / child.seconds, 1),
    clientBaseMiB: round(child.baseMiB, 1),
    clientPeakAboveBaseMiB: round(child.peakMiB - child.baseMiB, 1),
    httpSyncs: child.httpSyncs,
    httpSyncMiB: round(child.httpSyncMiB, 1),
    refused: child.rejected + child.tooLarge,
    idleMiB: measured.idleMiB,
    peakAboveIdleMiB: measured.peakAboveIdleMiB,
    peakPerBodyMiB: round(measured.peakAboveIdleMiB / sizeMiB),
    ...read,
  }
}

/**
 * Scenario 12: one huge item per body (a text part of 10 to 90 MiB, a `session_diff` file of 60 MiB) through
 * upstream's `POST /sync`, each in a workerd of its own, beside scenario 11's many-items body of the same size (also
 * in a workerd of its own); each huge item read back through its route and compared with what was sent, redacted.
 * Then the 60 MiB part through `ShareClient` (which must send it over HTTP) in a process of its own.
 */
export async function hugeItem(scratch: string, vars: Record<string, string>, token: string) {
  // A row that fails says why in the table; the other rows still run.
  const inFresh = async <T>(work: (worker: Worker) => Promise<T>): Promise<T | { error: string }> => {
    const started = await startLocalWorker({ persistTo: mkdtempSync(join(scratch, "huge-")), vars })
    const worker = {
      api: new HttpApi(started.url),
      pid: started.process.pid ?? 0,
      url: started.url,
      stop: started.stop,
    }
    try {
      return await work(worker)
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) }
    } finally {
      await worker.stop()
    }
  }
  const rows: Record<string, ManyRow | HugeRow | Awaited<ReturnType<typeof clientPart>> | { error: string }> = {}
  for (const sizeMiB of PART_SIZES_MIB) {
    rows[`${sizeMiB} MiB, many items`] = await inFresh((worker) =>
      postOne(worker.api, worker.pid, sizeMiB, `huge_many_${sizeMiB}`),
    )
    rows[`${sizeMiB} MiB, one text part`] = await inFresh((worker) => onePart(worker, sizeMiB))
  }
  rows[`${ONE_SIZE_MIB} MiB, one session_diff file`] = await inFresh((worker) => oneDiff(worker, ONE_SIZE_MIB))
  rows[`${ONE_SIZE_MIB} MiB, one text part via ShareClient`] = await inFresh((worker) =>
    clientPart(worker, token, scratch, ONE_SIZE_MIB, true),
  )
  // The same without the client's redaction: how much of the client's time and memory is the redaction's.
  rows[`${ONE_SIZE_MIB} MiB, ShareClient, its redaction off`] = await inFresh((worker) =>
    clientPart(worker, token, scratch, ONE_SIZE_MIB, false),
  )
  return rows
}
