import { ShareError } from "@cloudsession/protocol"
import { afterEach, describe, expect, it, vi } from "vitest"
import { MAX_ERROR_TEXT_CHARS } from "../src/errors/fault-log.ts"
import { toWireError } from "../src/rpc/wire-errors.ts"

afterEach(() => vi.restoreAllMocks())

/** What the client receives for `error`, and what the server logged while mapping it. */
function mapped(error: Error) {
  const logged = vi.spyOn(console, "error").mockImplementation(() => {})
  const wire = toWireError(error)
  return { message: wire.message, stack: wire.stack, logs: logged.mock.calls.map((call) => call.join(" ")) }
}

describe("toWireError: the client's misuse as its code, a server fault as internal", () => {
  it("keeps a ShareError's code and message, unlogged", () => {
    expect(mapped(new ShareError("forbidden", "wrong secret"))).toEqual({
      message: "[forbidden] wrong secret",
      stack: "",
      logs: [],
    })
  })

  const misuses = [
    {
      error: new TypeError("'dropAllShares' is not a function."),
      wire: "[bad_request] 'dropAllShares' is not a function.",
    },
    {
      error: new TypeError("Deserialization exceeded maximum allowed message depth of 256."),
      wire: "[payload_too_large] Deserialization exceeded maximum allowed message depth of 256.",
    },
    {
      error: new TypeError("Deserialized bigint exceeds maximum length of 16384 digits."),
      wire: "[payload_too_large] Deserialized bigint exceeds maximum length of 16384 digits.",
    },
    // capnweb quotes the client's message in these: the client gets a fixed text instead.
    { error: new Error('bad RPC message: ["pull","secret"]'), wire: "[bad_request] malformed RPC message" },
    { error: new TypeError('unknown special value: ["secret"]'), wire: "[bad_request] malformed RPC value" },
  ]
  for (const { error, wire } of misuses) {
    it(`reports capnweb's "${error.message.slice(0, 40)}" as the caller's, unlogged`, () => {
      expect(mapped(error)).toMatchObject({ message: wire, logs: [] })
    })
  }

  it("cuts a long method name that it echoes", () => {
    const { message } = mapped(new TypeError(`'${"m".repeat(10_000)}' is not a function.`))
    expect(message.length).toBeLessThanOrEqual(MAX_ERROR_TEXT_CHARS + 20)
  })

  const faults = [
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    new TypeError("this.service.sync is not a function"),
    new RangeError("Invalid array length"),
    new SyntaxError("Unexpected token } in JSON at position 3"),
    new Error("bad RPC message"),
    new Error("D1_ERROR: no such table"),
  ]
  for (const fault of faults) {
    it(`reports ${fault.name} "${fault.message}" as internal and logs it`, () => {
      const { message, logs } = mapped(fault)
      expect(message).toBe("[internal] internal error")
      expect(logs).toEqual([`/rpc call failed: ${fault.name}: ${fault.message}`])
    })
  }

  it("logs at most the start of a fault's message", () => {
    const { logs } = mapped(new Error(`boom ${"x".repeat(100_000)} secret-tail`))
    expect(logs).toHaveLength(1)
    expect(logs[0]?.length).toBeLessThan(MAX_ERROR_TEXT_CHARS + 40)
    expect(logs[0]).not.toContain("secret-tail")
  })
})
