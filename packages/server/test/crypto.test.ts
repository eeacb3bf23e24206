import { describe, expect, it } from "vitest"
import { newSecret, newShareId } from "../src/crypto/crypto.ts"

describe("share ids and secrets", () => {
  it("are URL-safe, of fixed length, distinct, and ids never start with '-' (a CLI would read an option)", () => {
    const ids = Array.from({ length: 5000 }, () => newShareId())
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
    expect(new Set(ids).size).toBe(ids.length)
    // 5 000 draws without the guard would start with '-' about 78 times; with it, never.
    const secrets = Array.from({ length: 100 }, () => newSecret())
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new Set(secrets).size).toBe(secrets.length)
  })
})
