import type { Env } from "../env.ts"
import type { ShareDirectory } from "./share-directory.ts"

/** Name of the one directory instance, unless `DIRECTORY_NAME` picks another. */
export const DEFAULT_DIRECTORY_NAME = "shares"

/**
 * The deployment's share directory. A stub per use: a stub that saw an error can stay broken, and the next write
 * (an alarm's retry) should not inherit that.
 */
export function directoryOf(env: Pick<Env, "DIRECTORY" | "DIRECTORY_NAME">): DurableObjectStub<ShareDirectory> {
  const name = env.DIRECTORY_NAME?.trim() || DEFAULT_DIRECTORY_NAME
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(name))
}
