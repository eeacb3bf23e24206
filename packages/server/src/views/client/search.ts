/**
 * The list page's one inline script: filters the listed sessions by title or directory as you type. Rows carry
 * their lower-cased text in `data-search`, so matching is a substring test and never touches HTML.
 */
export const SEARCH_SCRIPT = `(() => {
  "use strict";
  const input = document.getElementById("search");
  const none = document.getElementById("no-match");
  if (!input || !none) return;
  const rows = Array.from(document.querySelectorAll("#sessions > li"));
  const run = () => {
    const query = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const hit = query === "" || (row.dataset.search || "").includes(query);
      row.hidden = !hit;
      if (hit) shown += 1;
    }
    none.hidden = shown > 0 || rows.length === 0;
  };
  input.addEventListener("input", run);
  run();
})();
`
