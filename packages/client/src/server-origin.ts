/**
 * The origin a server is known by, whichever of its URLs was given: `https://share.example` for
 * `wss://share.example/rpc` too. Share records store this form, so comparing two servers is comparing strings.
 */
export function serverOrigin(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined
  const parsed = new URL(url)
  if (!/^(https?|wss?):$/.test(parsed.protocol)) return undefined
  return parsed.origin.replace(/^ws/, "http")
}
