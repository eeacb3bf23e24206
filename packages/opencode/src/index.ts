/**
 * `@cloudsession/opencode`: the OpenCode plugin. Only the plugin module is exported here, as OpenCode expects of a
 * plugin's entry; forks that patch `share-next.ts` import `@cloudsession/opencode/share-next` instead.
 */
import { CloudsessionPlugin } from "./plugin.ts"

export default { id: "cloudsession", server: CloudsessionPlugin }
