import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { layerProblems } from "../scripts/check-layers.mjs"

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const scratch = mkdtempSync(join(tmpdir(), "check-layers-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A little source tree in the scratch folder, read with the package's own import rules. */
async function problemsOf(name: string, files: Record<string, string>) {
  const root = join(scratch, name)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, "src", path)), { recursive: true })
    writeFileSync(join(root, "src", path), text)
  }
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ extends: join(packageRoot, "tsconfig.json") }))
  return layerProblems(join(root, "src"), join(root, "tsconfig.json"))
}

describe("check-layers", () => {
  it("passes the Worker's own source", async () => {
    const result = await layerProblems(join(packageRoot, "src"), join(packageRoot, "tsconfig.json"))
    expect(result.problems).toEqual([])
    expect(result.modules).toBeGreaterThan(50)
  })

  it("accepts imports down the folder order and type-only imports up it", async () => {
    const result = await problemsOf("down", {
      "service/a.ts": 'import { b } from "../storage/b.ts"\nexport const a = b',
      "storage/b.ts": 'import type { A } from "../service/c.ts"\nexport const b: A = 1',
      "service/c.ts": "export type A = number",
    })
    expect(result).toEqual({ modules: 3, problems: [] })
  })

  it("refuses an import up the folder order, between peers, and of the composition root", async () => {
    const result = await problemsOf("up", {
      "app.ts": 'import { s } from "./storage/s.ts"\nexport const app = s',
      "storage/s.ts": 'import { l } from "../listing/l.ts"\nexport const s = l',
      "listing/l.ts": 'import { c } from "../crypto/c.ts"\nexport const l = c',
      "crypto/c.ts": 'import { v } from "../settings/v.ts"\nexport const c = v',
      "settings/v.ts": 'import { app } from "../app.ts"\nexport const v = () => app',
    })
    expect(result.problems).toEqual([
      "crypto/c.ts → settings/v.ts: crypto/ and settings/ are peers: neither imports the other",
      "settings/v.ts → app.ts: app.ts is the composition root: nothing imports it",
      "storage/s.ts → listing/l.ts: storage/ is below listing/: the edge points up the folder order",
      "import cycle among app.ts, crypto/c.ts, listing/l.ts, settings/v.ts, storage/s.ts",
    ])
  })

  it("refuses a value-import cycle inside one folder, and a folder in no layer", async () => {
    const result = await problemsOf("cycle", {
      "service/a.tsx": 'import { b } from "./b.ts"\nexport const a = () => <p>{b()}</p>',
      "service/b.ts": 'import { a } from "./a.tsx"\nexport const b = () => String(a)',
      "misc/m.ts": 'import { b } from "../service/b.ts"\nexport const m = b',
    })
    expect(result.problems).toEqual([
      "misc/m.ts → service/b.ts: misc/ is in no layer: add it to LAYERS in check-layers.mjs",
      "import cycle among service/a.tsx, service/b.ts",
    ])
  })
})
