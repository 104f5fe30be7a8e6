import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as SkyMock from "../src/SkyMock.js"
import { withCatchTags, describe as describeError } from "../examples/catchTags.js"
import { answer } from "../examples/quickstart.js"
import { survivesRateLimits } from "../examples/testing.js"
import { SkyError } from "../src/index.js"

// The README's examples, run against the double.
describe("examples", () => {
  it.live("quickstart: the exhaustive handler turns every failure into an answer", () =>
    Effect.gen(function*() {
      expect(yield* answer("hello")).toBe("echo: hello")
      const mock = yield* SkyMock.SkyMock
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2103 }))
      expect(yield* answer("hello")).toBe("the account is overdue")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2101 }))
      expect(yield* answer("hello")).toBe("check SKYENGINE_API_KEY")
      // A Duration reads as a person writes it, not as Duration(20ms).
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2007, retryAfterMillis: 20 }))
      expect(yield* answer("hello")).toBe("too many requests; retry after 20ms")
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { maxRetries: 0 } }))))

  it.live("catchTags: the groups catch their rows first", () =>
    Effect.gen(function*() {
      const mock = yield* SkyMock.SkyMock
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2008 }))
      expect(yield* withCatchTags("x")).toBe("tokens per minute")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2104 }))
      expect(yield* withCatchTags("x")).toBe("fix the request (2104): specified model is not found")
      yield* mock.enqueue(SkyMock.Fault.ErrorResponse({ code: 2102 }))
      expect(yield* withCatchTags("x")).toBe("no access")
    }).pipe(Effect.provide(SkyMock.layerClient({ client: { maxRetries: 0 } }))))

  it("catchTags: describe uses the catalogue", () => {
    expect(describeError(new SkyError.TpmLimitExceeded({ message: "slow down" }))).toBe(
      "TpmLimitExceeded (2008): slow down [retryable: true; " + SkyError.catalogue.TpmLimitExceeded.remedy + "]"
    )
  })

  it.live("testing: a service survives two rate limits", () =>
    Effect.gen(function*() {
      expect(yield* survivesRateLimits).toEqual({ summary: "echo: a long text", attempts: [1, 2, 3] })
    }))
})
