import type { Env } from "../env.ts"
import { directoryName } from "../settings/deployment.ts"
import type { ShareDirectory } from "./share-directory.ts"

/**
 * The deployment's share directory. A stub per use: a stub that saw an error can stay broken, and the next write
 * (an alarm's retry) should not inherit that.
 */
export function directoryOf(env: Pick<Env, "DIRECTORY" | "DIRECTORY_NAME">): DurableObjectStub<ShareDirectory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(directoryName(env)))
}
