/**
 * Rendering work is counted, not timed: inside workerd the clock does not move while code runs, and a count makes
 * the same share render the same way every time. One unit is roughly one token markdown-it produces or one
 * position its inline parser stops at, plus one per 16 characters read; the worst inputs measured cost about 10 µs
 * a unit (tables, `*a` repeated, headings), ordinary markdown far less.
 */
export class RenderBudget {
  private left: number
  private readonly parent: RenderBudget | undefined

  constructor(units: number, parent?: RenderBudget) {
    this.left = units
    this.parent = parent
  }

  /** Spend `units`, here and in the budget this one was drawn from; false (and nothing spent) when either is out. */
  trySpend(units: number): boolean {
    if (units > this.left) return false
    if (this.parent !== undefined && !this.parent.trySpend(units)) return false
    this.left -= units
    return true
  }

  get remaining(): number {
    return Math.min(this.left, this.parent?.remaining ?? Number.POSITIVE_INFINITY)
  }

  /** A budget for one item, drawn from this one: at most `units`, and never more than this one has left. */
  child(units: number): RenderBudget {
    return new RenderBudget(units, this)
  }
}

/**
 * Per item: ~0.3 s at the measured worst, ~100 KB of ordinary markdown. Per write (one sync batch): ~3 s at the
 * worst; items past it are stored unrendered and rendered when first read, under the per-read budget.
 */
export const RENDER_UNITS = {
  item: 30_000,
  write: 300_000,
  read: 100_000,
} as const
