/*
 * Compile-time proof that objects typed with @opencode-ai/sdk v2 can be handed to the protocol as they are: if the
 * SDK changes a field we interpret, `npm run typecheck` fails here rather than a sync failing at run time.
 * Type-only imports: nothing of the SDK ships in either bundle.
 */
import type * as Sdk from "@opencode-ai/sdk/v2/types"
import type { FileDiff, Message, Model, Part, Session } from "./opencode.ts"

type Assignable<From, To> = [From] extends [To] ? true : false
type Expect<Condition extends true> = Condition

export type SdkCompatibility = [
  Expect<Assignable<Sdk.Session, Session>>,
  Expect<Assignable<Sdk.Message, Message>>,
  Expect<Assignable<Sdk.Part, Part>>,
  Expect<Assignable<Sdk.FileDiff, FileDiff>>,
  Expect<Assignable<Sdk.SnapshotFileDiff, FileDiff>>,
  Expect<Assignable<Sdk.Model, Model>>,
]
