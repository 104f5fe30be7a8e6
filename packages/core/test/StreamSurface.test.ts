// What a stream's events mean to a surface, stepped once for both lines.
import { describe, expect, it } from "vitest"
import type { Event } from "../src/sse.js"
import { end, endedEarly, endedEvents, jsonSurface, NotDecoded, type StepState, stepEvents } from "../src/streamSurface.js"

const event = (data: string, type = "message"): Event => ({ _tag: "Event", event: type, id: undefined, data })

/** Objects with a numeric `n` are elements; `{"done":true}` completes; `[DONE]` ends. */
const surface = (endsAtEof: boolean) =>
  jsonSurface<{ n: number }>({
    endsAtEof,
    errorOf: (u) => (typeof u === "object" && u !== null && "error" in u ? u : undefined),
    decode: (u) => (typeof (u as { n?: unknown }).n === "number" ? u as { n: number } : new NotDecoded({ message: "no n" })),
    after: (value) => (value.n < 0 ? { _tag: "Complete" } : undefined),
    special: (data) => (data === "[DONE]" ? end : undefined)
  })

describe("stepEvents", () => {
  it("pushes each element and stops at the terminator, reading nothing after it", () => {
    const state: StepState = { ended: false, complete: false }
    const emit: Array<{ n: number }> = []
    const stop = stepEvents(surface(false), [event("{\"n\":1}"), event("{\"n\":2}"), event("[DONE]"), event("{\"n\":3}")], emit, state)
    expect(stop).toEqual({ _tag: "End" })
    expect(emit).toEqual([{ n: 1 }, { n: 2 }])
    expect(state).toEqual({ ended: true, complete: false })
    expect(endedEarly(surface(false), state)).toBe(false)
  })

  it("an error payload or an `event: error` stops with the error, after the elements before it", () => {
    const emit: Array<{ n: number }> = []
    const state: StepState = { ended: false, complete: false }
    expect(stepEvents(surface(false), [event("{\"n\":1}"), event("{\"error\":{\"code\":2001}}")], emit, state))
      .toEqual({ _tag: "Error", error: { error: { code: 2001 } } })
    expect(emit).toEqual([{ n: 1 }])
    expect(stepEvents(surface(false), [event("not json", "error")], [], state)).toEqual({ _tag: "Error", error: "not json" })
  })

  it("an event that does not decode, or is not JSON, stops as Invalid with its own text", () => {
    const state: StepState = { ended: false, complete: false }
    expect(stepEvents(surface(false), [event("{\"m\":1}")], [], state)).toEqual({ _tag: "Invalid", data: "{\"m\":1}", problem: { message: "no n" } })
    const notJson = stepEvents(surface(false), [event("{oops")], [], state)
    expect(notJson?._tag === "Invalid" && notJson.data).toBe("{oops")
    expect(notJson?._tag === "Invalid" && notJson.problem.message).toMatch(/^the event is not JSON/)
  })

  it("the last event the body's end gave (cut) that is not JSON says the stream ended in its middle, keeping its text", () => {
    const state: StepState = { ended: false, complete: false }
    const emit: Array<{ n: number }> = []
    expect(stepEvents(surface(false), [event("{\"n\":")], emit, state, true)).toEqual({
      _tag: "Invalid",
      data: "{\"n\":",
      problem: { message: "the stream ended in the middle of an event" }
    })
    // JSON that does not decode was not cut: its own problem. One that decodes is an element.
    expect(stepEvents(surface(false), [event("{\"m\":1}")], [], state, true)).toEqual({ _tag: "Invalid", data: "{\"m\":1}", problem: { message: "no n" } })
    expect(stepEvents(surface(false), [event("{\"n\":1}")], emit, state, true)).toBeUndefined()
    expect(emit).toEqual([{ n: 1 }])
  })

  it("a surface that ends at the end of its body ended early only before it completed", () => {
    const state: StepState = { ended: false, complete: false }
    expect(stepEvents(surface(true), [event("{\"n\":1}")], [], state)).toBeUndefined()
    expect(endedEarly(surface(true), state)).toBe(true)
    expect(endedEarly(surface(false), state)).toBe(true)
    stepEvents(surface(true), [event("{\"n\":-1}")], [], state)
    expect(state.complete).toBe(true)
    expect(endedEarly(surface(true), state)).toBe(false)
    expect(endedEarly(surface(false), state)).toBe(true)
  })
})

describe("endedEvents", () => {
  it("scrubs the end of the last event's data when it starts a secret; other events and complaints pass as they are", () => {
    const key = "ak-ENDEDsecret0123456789"
    const event = (data: string) => ({ _tag: "Event" as const, event: "message", id: undefined, data })
    expect(endedEvents([event(`{"m":"bad key ${key.slice(0, 12)}`)], [key])).toEqual([event(`{"m":"bad key <redacted>`)])
    const fine = [event(`{"m":1}`)]
    expect(endedEvents(fine, [key])).toEqual([event(`{"m":1}`)])
    expect(endedEvents({ message: "too large" }, [key])).toEqual({ message: "too large" })
  })
})
