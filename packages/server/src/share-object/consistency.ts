import type { SyncData } from "@cloudsession/protocol"

/** The session an item belongs to, for the items that say. */
function sessionOf(item: SyncData): string | undefined {
  if (item.type === "session") return item.data.id
  if (item.type === "message" || item.type === "part") return item.data.sessionID
  return undefined
}

/**
 * A share holds one session: an item that names another session is refused (with the first offender named), so a
 * client bug cannot splice one session's parts into another's share.
 */
export function foreignItem(items: SyncData[], sessionID: string): string | undefined {
  const offender = items.find((item) => {
    const owner = sessionOf(item)
    return owner !== undefined && owner !== sessionID
  })
  if (offender === undefined) return undefined
  return `${offender.type} item belongs to session ${sessionOf(offender)}, not to this share's session ${sessionID}`
}
