import { LIST_IDS } from "../dom-ids.ts"

/**
 * The list page's one inline script: filters the listed sessions by title or directory as you type. Rows carry
 * their lower-cased text in `data-search`, so matching is a substring test and never touches HTML.
 */
function filterAsYouType(): void {
  const input = document.getElementById(LIST_IDS.search)
  const none = document.getElementById(LIST_IDS.noMatch)
  if (!(input instanceof HTMLInputElement) || none === null) return
  const rows = Array.from(document.querySelectorAll<HTMLElement>(`#${LIST_IDS.sessions} > li`))
  const run = () => {
    const query = input.value.trim().toLowerCase()
    let shown = 0
    for (const row of rows) {
      const hit = query === "" || (row.dataset.search ?? "").includes(query)
      row.hidden = !hit
      if (hit) shown += 1
    }
    none.hidden = shown > 0 || rows.length === 0
  }
  input.addEventListener("input", run)
  run()
}

filterAsYouType()
