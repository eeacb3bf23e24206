import { z } from "zod"
import type { FragmentBatch } from "./fragment-batch.ts"

/**
 * Right after a push every open page of a share asks for the same fragments: `since` the version it had, up to the
 * `version` the push announced. Those answers are cached briefly (per colo, Cache API) under that pair, so one
 * rendering and one Durable Object read serve all viewers instead of one each. Long enough for the burst that
 * follows a push; short, so a deleted share's fragments do not linger.
 */
const CACHE_SECONDS = 10

export const AnnouncedVersionSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional()

function cacheKey(url: URL, since: number, version: number): Request {
  const key = new URL(url.pathname, url.origin)
  key.searchParams.set("since", String(since))
  key.searchParams.set("version", String(version))
  return new Request(key)
}

function json(batch: string, cache: "HIT" | "MISS", cacheControl: string): Response {
  return new Response(batch, {
    headers: { "Content-Type": "application/json; charset=UTF-8", "Cache-Control": cacheControl, "X-Cache": cache },
  })
}

/**
 * Fragments for `since`, from the cache when a viewer named the `version` it was told about and another viewer
 * already fetched that pair. A rendering that has not reached `version` yet is not stored.
 */
export async function cachedFragments(
  url: URL,
  since: number,
  version: number | undefined,
  context: ExecutionContext,
  render: () => Promise<FragmentBatch>,
): Promise<Response> {
  if (version === undefined) return json(JSON.stringify(await render()), "MISS", "no-store")
  const cache = caches.default
  const key = cacheKey(url, since, version)
  const hit = await cache.match(key)
  if (hit !== undefined) return json(await hit.text(), "HIT", "no-store")
  const batch = await render()
  const body = JSON.stringify(batch)
  if (batch.version >= version) {
    context.waitUntil(cache.put(key, json(body, "MISS", `public, max-age=${CACHE_SECONDS}`)))
  }
  return json(body, "MISS", "no-store")
}
