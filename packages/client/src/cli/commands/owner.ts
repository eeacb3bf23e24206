import { type ErrorCode, ExpiresInSchema, isErrorCode, type SessionPage } from "@cloudsession/protocol"
import { Command } from "commander"
import { ConnectionError, RpcAuthError } from "../../connection/errors.ts"
import { ServerRefusedError } from "../../errors.ts"
import { addServerOptions, type CommonFlags, rpcToken, serverUrl } from "../config.ts"
import { UsageError } from "../exit-codes.ts"

/** One call to the owner's JSON API with the token; its answer, or the error it stands for. */
async function ownerCall(flags: CommonFlags, method: string, path: string, body?: unknown): Promise<unknown> {
  const server = serverUrl(flags)
  const token = rpcToken(flags)
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` }
  if (body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(`${server}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: unknown) => {
    throw new ConnectionError(`cannot reach ${server}: ${error instanceof Error ? error.message : String(error)}`)
  })
  const answer: unknown = await response.json().catch(() => undefined)
  if (response.ok) return answer
  const error = (answer as { error?: { code?: string; message?: string } } | undefined)?.error
  const message = error?.message ?? `HTTP ${response.status}`
  if (response.status === 401) throw new RpcAuthError(401, message)
  const code: ErrorCode = error?.code !== undefined && isErrorCode(error.code) ? error.code : "internal"
  throw new ServerRefusedError(code, message)
}

const share = (id: string) => `/api/owner/shares/${encodeURIComponent(id)}`
function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

function subcommand(name: string, description: string): Command {
  const command = new Command(name).description(description)
  addServerOptions(command)
  return command
}

/**
 * `owner …`: what the server's owner may do with the token, on any share, without its secret (the same routes as
 * the dashboard at /sessions): list every share, delete one, rotate its secret, set or clear its expiry, list it
 * publicly.
 */
export function ownerCommand(): Command {
  const owner = new Command("owner").description("the server owner's controls, with the token: any share, no secret")
  owner.addCommand(
    subcommand("list", "list every share on the server (newest first)")
      .option("--query <text>", "only shares whose title or directory contains this")
      .option("--json", "print JSON")
      .action(async (flags: CommonFlags & { query?: string; json?: boolean }) => {
        const params = new URLSearchParams({ limit: "200" })
        if (flags.query !== undefined) params.set("q", flags.query)
        const page = (await ownerCall(flags, "GET", `/api/sessions?${params}`)) as SessionPage
        if (flags.json === true) {
          print(page)
          return
        }
        for (const entry of page.sessions) {
          const expires = entry.expiresAt === undefined ? "" : `\texpires ${new Date(entry.expiresAt).toISOString()}`
          process.stdout.write(
            `${entry.id}\t${entry.sessionID}\t${entry.title || "(untitled)"}\t${entry.directory}${expires}\n`,
          )
        }
      }),
  )
  owner.addCommand(
    subcommand("delete", "delete a share and everything it stored (it answers 410 Gone from then on)")
      .argument("<shareID>")
      .action(async (id: string, flags: CommonFlags) => {
        await ownerCall(flags, "DELETE", share(id))
        process.stdout.write(`deleted ${id}\n`)
      }),
  )
  owner.addCommand(
    subcommand("rotate", "give a share a new secret (printed once); the old one stops working")
      .argument("<shareID>")
      .action(async (id: string, flags: CommonFlags) => print(await ownerCall(flags, "POST", `${share(id)}/secret`))),
  )
  owner.addCommand(
    subcommand("expire", "set when a share deletes itself (30m, 12h, 7d, 2w), or `never`")
      .argument("<shareID>")
      .argument("<duration>")
      .action(async (id: string, duration: string, flags: CommonFlags) => {
        const never = duration.trim().toLowerCase() === "never"
        if (!never && !ExpiresInSchema.safeParse(duration).success) {
          throw new UsageError(`not a duration: ${duration} (use 30m, 12h, 7d, 2w, or never)`)
        }
        print(await ownerCall(flags, "PATCH", share(id), { expiresIn: never ? null : duration }))
      }),
  )
  owner.addCommand(
    subcommand("listed", "put a share on the public listing (on) or take it off (off)")
      .argument("<shareID>")
      .argument("<on|off>")
      .action(async (id: string, state: string, flags: CommonFlags) => {
        if (state !== "on" && state !== "off") throw new UsageError(`expected on or off, not ${state}`)
        print(await ownerCall(flags, "PATCH", share(id), { listed: state === "on" }))
      }),
  )
  return owner
}
