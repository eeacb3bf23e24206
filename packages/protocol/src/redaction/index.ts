/**
 * Secret redaction, the same on the client (before an item is written to the outbox) and on the server (for items
 * from clients that do not redact). Its own entry point, so code that never redacts does not load the rules.
 */

/** The streaming redactor's index of known secrets: exported for its tests. */
export { KnownSecrets } from "./known-secrets.ts"
export {
  describeRedactions,
  marker,
  type RedactedItems,
  type RedactionCounts,
  redactItem,
  redactItems,
  replaceAll,
} from "./redact.ts"
export { type Finding, ruleNames, scanText } from "./scanner.ts"
export { StreamRedactor, type StreamRedactorOptions } from "./stream.ts"
