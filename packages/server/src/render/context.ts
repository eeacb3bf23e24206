import { RENDER_UNITS, RenderBudget } from "./budget.ts"

let active: RenderBudget | undefined

/**
 * Run `render` with `budget` as the one its markdown draws from. Page components take their props and nothing
 * else, so the budget of the item being rendered travels this way; rendering is synchronous, so only one item is
 * ever being rendered at a time.
 */
export function withBudget<T>(budget: RenderBudget, render: () => T): T {
  const outer = active
  active = budget
  try {
    return render()
  } finally {
    active = outer
  }
}

/** The budget of the item being rendered, or a fresh one-item budget outside `withBudget`. */
export function activeBudget(): RenderBudget {
  return active ?? new RenderBudget(RENDER_UNITS.item)
}

/**
 * A budget for one more item, drawn from the active one (a page's, when a view renders an item that has no stored
 * HTML): at most one item's worth, and what is left once the page's budget is spent is none, so the rest of the page
 * shows plain text.
 */
export function nextItemBudget(): RenderBudget {
  return activeBudget().child(RENDER_UNITS.item)
}
