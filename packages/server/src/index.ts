import { app } from "./app.ts"
import type { Env } from "./env.ts"

export { ShareDirectory } from "./listing/share-directory.ts"
export { ShareObject } from "./share-object/share-object.ts"

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>
