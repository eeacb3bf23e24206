import { readFileSync } from "node:fs"
import { parseSessionFile, type SessionContent } from "../session-file.ts"
import { UsageError } from "./exit-codes.ts"

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString("utf8")
}

function readFile(path: string): string {
  try {
    return readFileSync(path, "utf8")
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable"
    throw new UsageError(`cannot read ${path} (${code})`)
  }
}

/** Read and validate a session file (`-` for stdin) before anything else is touched. */
export async function readSession(path: string): Promise<SessionContent> {
  const text = path === "-" ? await readStdin() : readFile(path)
  return parseSessionFile(text, path === "-" ? "stdin" : path)
}
