// The moving deadline of a stream, on a hand-driven clock (each line also tests it on its own clocks).
import { describe, expect, it, vi } from "vitest"
import { maxTimerMillis, movingDeadline, plainTimer, streamDeadlines, type Timers } from "../src/movingDeadline.js"

/** A clock whose time moves only when `advance` says, with the timers started on it. */
const handClock = () => {
  let time = 0
  let timers: Array<{ at: number; fire: () => void; live: boolean }> = []
  const clock: Timers = {
    now: () => time,
    start: (millis, fire) => {
      const timer = { at: time + millis, fire, live: true }
      timers.push(timer)
      return () => {
        timer.live = false
      }
    }
  }
  const advance = (millis: number): void => {
    const until = time + millis
    for (;;) {
      const next = timers.filter((t) => t.live && t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      time = next.at
      next.live = false
      next.fire()
    }
    timers = timers.filter((t) => t.live)
    time = until
  }
  return { clock, advance, pending: () => timers.filter((t) => t.live).length }
}

describe("movingDeadline", () => {
  it("fires once at its deadline; a deadline moved later is found when the timer wakes, with one timer at a time", () => {
    const { clock, advance, pending } = handClock()
    let due = 100
    let fired = 0
    movingDeadline(clock, () => due, () => fired++)
    due = 250
    advance(100)
    expect(fired).toBe(0)
    expect(pending()).toBe(1)
    advance(149)
    expect(fired).toBe(0)
    advance(1)
    expect(fired).toBe(1)
    advance(1000)
    expect(fired).toBe(1)
    expect(pending()).toBe(0)
  })

  it("a deadline already passed fires at once; Infinity arms nothing until wake() finds a deadline", () => {
    const { clock, advance, pending } = handClock()
    let fired = 0
    movingDeadline(clock, () => 0, () => fired++)
    expect(fired).toBe(1)
    let due = Infinity
    const timer = movingDeadline(clock, () => due, () => fired++)
    expect(pending()).toBe(0)
    due = 50
    timer.wake()
    expect(pending()).toBe(1)
    advance(50)
    expect(fired).toBe(2)
  })

  it("stop() cancels the timer; a deadline past setTimeout's range is armed in steps of that range", () => {
    const { clock, advance, pending } = handClock()
    let fired = 0
    movingDeadline(clock, () => 100, () => fired++).stop()
    advance(1000)
    expect(fired).toBe(0)
    expect(pending()).toBe(0)
    const far = 3 * maxTimerMillis
    movingDeadline(clock, () => 1000 + far, () => fired++)
    advance(far - 1)
    expect(fired).toBe(0)
    advance(1)
    expect(fired).toBe(1)
  })
})

describe("plainTimer", () => {
  it("fires after a delay past setTimeout's range at its time, not at once; cancelled, it never fires", () => {
    vi.useFakeTimers()
    try {
      const days40 = 40 * 24 * 3600 * 1000
      let fired = 0
      plainTimer(days40, () => fired++)
      const cancel = plainTimer(days40, () => fired++)
      vi.advanceTimersByTime(1000)
      expect(fired).toBe(0)
      vi.advanceTimersByTime(maxTimerMillis)
      cancel()
      vi.advanceTimersByTime(days40 - maxTimerMillis - 2000)
      expect(fired).toBe(0)
      vi.advanceTimersByTime(1000)
      expect(fired).toBe(1)
      vi.advanceTimersByTime(days40)
      expect(fired).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe("streamDeadlines", () => {
  it("the headers within the timeout (or streamTimeout, when sooner), then each wait, none while held, and the whole", () => {
    const d = streamDeadlines(1000, 300, 5000)
    expect(d.overallFirst).toBe(false)
    expect(d.due()).toBe(1300)
    d.open(1100)
    expect(d.due()).toBe(1400)
    d.hold()
    expect(d.waiting()).toBe(false)
    expect(d.due()).toBe(6000)
    d.waitFrom(5900)
    expect(d.due()).toBe(6000)
    d.pass(6000)
    expect(d.passed()).toBe("overall")
    const early = streamDeadlines(0, 300, 100)
    expect(early.overallFirst).toBe(true)
    expect(early.due()).toBe(100)
    early.pass(100)
    expect(early.passed()).toBe("headers")
    const idle = streamDeadlines(0, 300, Infinity)
    expect(idle.overallFirst).toBe(false)
    idle.open(10)
    idle.pass(310)
    expect(idle.passed()).toBe("idle")
  })
})
