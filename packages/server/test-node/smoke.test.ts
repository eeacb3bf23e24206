import { describe, expect, inject, it } from "vitest"

describe("local Worker under wrangler dev", () => {
  it("answers the JSON API on loopback: the listing to the owner's token only", async () => {
    const url = `${inject("workerUrl")}/api/sessions?limit=1`
    expect((await fetch(url)).status).toBe(401)
    const response = await fetch(url, { headers: { Authorization: `Bearer ${inject("rpcToken")}` } })
    expect(response.status).toBe(200)
    expect(await response.json()).toHaveProperty("sessions")
  })
})
