/**
 * Ids of the share page's elements. The page renders them, the fragments name them, and the live script finds and
 * patches elements by them: one home, so the three cannot drift apart.
 */
export const PAGE_IDS = {
  session: "session",
  sessionHead: "session-head",
  liveStatus: "live-status",
  shareGone: "share-gone",
  models: "models",
  diffs: "diffs",
  messages: "messages",
  turns: "turns",
  loadEarlier: "load-earlier",
  latest: "latest",
  jumpLatest: "jump-latest",
} as const

/** Ids of the list page's elements, which its filter script finds. */
export const LIST_IDS = { search: "search", noMatch: "no-match", sessions: "sessions" } as const

const MESSAGE_PREFIX = "msg-"
const PARTS_PREFIX = "parts-"

export function messageElementId(messageID: string): string {
  return `${MESSAGE_PREFIX}${messageID}`
}

/** The message whose element this is, or `undefined` for any other id. */
export function messageOfMessageElement(elementID: string): string | undefined {
  return elementID.startsWith(MESSAGE_PREFIX) ? elementID.slice(MESSAGE_PREFIX.length) : undefined
}

/** The element holding a message's parts: the parent the live script inserts new parts into. */
export function partsElementId(messageID: string): string {
  return `${PARTS_PREFIX}${messageID}`
}

/** The message whose parts element this is, or `undefined` for any other id. */
export function messageOfPartsElement(elementID: string): string | undefined {
  return elementID.startsWith(PARTS_PREFIX) ? elementID.slice(PARTS_PREFIX.length) : undefined
}

export function partElementId(partID: string): string {
  return `part-${partID}`
}

export function modelElementId(key: string): string {
  return `model-${key}`
}

/** A turn's entry in the turn index (named by the prompt that opens it). */
export function turnElementId(messageID: string): string {
  return `turn-${messageID}`
}

/** A file of the diff review: stable across live updates (it follows the path), safe in a URL fragment. */
export function diffElementId(file: string): string {
  return `diff-${file.replace(/[^A-Za-z0-9_.-]/g, "_")}`
}
