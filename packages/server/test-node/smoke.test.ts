import { describe, expect, inject, it } from "vitest"

describe("local Worker under wrangler dev", () => {
  it("answers the JSON API on loopback", async () => {
    const response = await fetch(`${inject("workerUrl")}/api/sessions?limit=1`)
    expect(response.status).toBe(200)
    expect(await response.json()).toHaveProperty("sessions")
  })
})
