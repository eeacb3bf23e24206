/**
 * A piece of the share page, re-rendered on the server for a live update. `id` is the element it replaces; when
 * no such element exists yet, it is inserted under `parent`, ordered by its `data-sort` key.
 */
export type Fragment = { id: string; parent?: string; html: string }

/**
 * The answer of `/share/<id>/fragments`: what changed, and the version the page is at once it is applied. `reload`:
 * what changed is more than one page may hold (the page's byte budget); the live script reloads instead of
 * patching, and the page shows what its own budget allows.
 */
export type FragmentBatch = { version: number; fragments: Fragment[]; reload?: true }
