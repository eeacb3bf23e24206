/** Socket tags are at most 256 characters; a client key never needs more than an IPv6 address. */
const TAG_LIMIT = 64

/**
 * The client a request counts against: for viewer sockets (a hibernation tag) and for the rate limits of
 * anonymous shares. Behind Cloudflare `CF-Connecting-IP` is the
 * caller's address and cannot be forged by it (wrangler dev fills it in when absent). An IPv6 host usually
 * holds a whole /64, so IPv6 counts by /64 prefix; without the header everyone shares one key.
 */
export function clientKey(request: Request): string {
  const ip = (request.headers.get("CF-Connecting-IP") ?? "").trim().toLowerCase()
  if (!ip.includes(":")) return ip.slice(0, TAG_LIMIT)
  return ipv6Prefix(ip).slice(0, TAG_LIMIT)
}

/** The /64 of an IPv6 address, in one canonical spelling (`2001:db8:0:1::/64`). */
function ipv6Prefix(ip: string): string {
  // IPv4-mapped (`::ffff:192.0.2.1`): the IPv4 address is the client.
  if (ip.includes(".")) return ip.slice(ip.lastIndexOf(":") + 1)
  const [head = "", tail] = ip.split("::")
  const left = head === "" ? [] : head.split(":")
  const right = tail === undefined || tail === "" ? [] : tail.split(":")
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => "0")
  const groups = [...left, ...zeros, ...right].slice(0, 4)
  return `${groups.map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`
}
