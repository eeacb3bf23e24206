import {
  FileDiffSchema,
  MessageSchema,
  type Model,
  ModelSchema,
  PartSchema,
  SessionSchema,
  type SyncData,
} from "@cloudsession/protocol"
import { z } from "zod"

/** Where the plugin reads a session as a whole (to share it) and the models it used. */
export type SessionSource = {
  /** The session, every message and part, its diff and its models, as sync items. */
  snapshot(sessionID: string): Promise<SyncData[]>
  model(providerID: string, modelID: string): Promise<Model | undefined>
}

/** The calls of OpenCode's SDK client the source makes (a structural subset of `PluginInput["client"]`). */
export type OpencodeClient = {
  session: {
    get(options: { path: { id: string } }): Promise<{ data?: unknown; error?: unknown }>
    messages(options: { path: { id: string } }): Promise<{ data?: unknown; error?: unknown }>
    diff(options: { path: { id: string } }): Promise<{ data?: unknown; error?: unknown }>
  }
  config: {
    providers(): Promise<{ data?: unknown; error?: unknown }>
  }
}

const Messages = z.array(z.object({ info: MessageSchema, parts: z.array(PartSchema) }))
const UserModel = z.object({
  role: z.literal("user"),
  model: z.object({ providerID: z.string(), modelID: z.string() }),
})
const Providers = z.object({
  providers: z.array(z.looseObject({ id: z.string(), models: z.record(z.string(), ModelSchema) })),
})

/** The answer's data, or an error naming what could not be read. */
function dataOf<T>(what: string, schema: z.ZodType<T>, result: { data?: unknown; error?: unknown }): T {
  if (result.error !== undefined) throw new Error(`cannot read ${what} from OpenCode: ${JSON.stringify(result.error)}`)
  const parsed = schema.safeParse(result.data)
  if (!parsed.success) throw new Error(`OpenCode answered ${what} in an unexpected shape`)
  return parsed.data
}

/** Reads sessions through the SDK client OpenCode gives plugins (its own server, in the same process). */
export function clientSource(client: OpencodeClient): SessionSource {
  let providers: Promise<z.infer<typeof Providers>> | undefined
  const model = async (providerID: string, modelID: string): Promise<Model | undefined> => {
    providers ??= client.config.providers().then((result) => dataOf("providers", Providers, result))
    const list = await providers.catch((error: unknown) => {
      providers = undefined
      throw error
    })
    const found = list.providers.find((provider) => provider.id === providerID)?.models[modelID]
    return found === undefined ? undefined : { ...found, providerID }
  }
  return {
    model,
    async snapshot(sessionID) {
      const path = { path: { id: sessionID } }
      const [session, messages, diff] = await Promise.all([
        client.session.get(path).then((result) => dataOf("the session", SessionSchema, result)),
        client.session.messages(path).then((result) => dataOf("the messages", Messages, result)),
        client.session.diff(path).then((result) => dataOf("the diff", z.array(FileDiffSchema), result)),
      ])
      const used = new Map<string, { providerID: string; modelID: string }>()
      for (const message of messages) {
        const user = UserModel.safeParse(message.info)
        if (user.success) used.set(`${user.data.model.providerID}/${user.data.model.modelID}`, user.data.model)
      }
      const models = await Promise.all(
        [...used.values()].map((m) => model(m.providerID, m.modelID).catch(() => undefined)),
      )
      return [
        { type: "session", data: session },
        ...messages.map((message): SyncData => ({ type: "message", data: message.info })),
        ...messages.flatMap((message) => message.parts.map((part): SyncData => ({ type: "part", data: part }))),
        { type: "session_diff", data: diff },
        { type: "model", data: models.filter((found) => found !== undefined) },
      ]
    },
  }
}
