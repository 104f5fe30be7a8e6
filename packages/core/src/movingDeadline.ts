/**
 * A deadline that moves, for a stream, without Effect: each line gives it its clock's time and timer.
 *
 * @internal
 */

/**
 * What a moving deadline needs of a clock: its time (milliseconds) and a timer that calls back after `millis`,
 * giving what cancels it.
 *
 * @internal
 */
export interface Timers {
  readonly now: () => number
  readonly start: (millis: number, fire: () => void) => () => void
}

/**
 * A deadline that moves: `due()` says when it is now (`Timers.now` milliseconds; `Infinity`: none), and `fire`
 * runs once a timer finds it passed. Moving the deadline later costs nothing: the timer sleeps until the deadline
 * it saw, and there looks again (sleeping on until the new one). A deadline moved earlier than the one armed (or
 * set again after `Infinity`) is taken up by `wake()`. `stop()` cancels the timer for good.
 *
 * A stream's deadlines used to be one fiber forked per pull, racing the pull; this keeps them with one plain timer
 * per stream.
 *
 * @internal
 */
export interface MovingDeadline {
  readonly wake: () => void
  readonly stop: () => void
}

/**
 * The longest delay `setTimeout` takes (a longer one fires at once): a deadline further off is looked at again
 * when that much has passed.
 *
 * @internal
 */
export const maxTimerMillis = 2 ** 31 - 1

const noTimer = (): void => {}

/**
 * A plain timer (`setTimeout`) that calls `fire` after `millis`, however long: a delay past what `setTimeout`
 * takes is timed in steps of that, where `setTimeout` alone would fire at once. Gives what cancels it.
 *
 * @internal
 */
export const plainTimer = (millis: number, fire: () => void): () => void => {
  if (millis <= maxTimerMillis) {
    const timer = setTimeout(fire, millis)
    return () => clearTimeout(timer)
  }
  let rest = noTimer
  const timer = setTimeout(() => {
    rest = plainTimer(millis - maxTimerMillis, fire)
  }, maxTimerMillis)
  return () => {
    clearTimeout(timer)
    rest()
  }
}

/** @internal */
export const movingDeadline = (timers: Timers, due: () => number, fire: () => void): MovingDeadline => {
  let cancel = noTimer
  /** When the armed timer is due (`Infinity`: none armed). */
  let armedFor = Infinity
  let done = false
  const check = (): void => {
    if (done) return
    const at = due()
    const left = at - timers.now()
    if (left <= 0) {
      done = true
      armedFor = Infinity
      fire()
      return
    }
    armedFor = at
    cancel = left === Infinity ? noTimer : timers.start(Math.min(left, maxTimerMillis), check)
  }
  check()
  return {
    wake: () => {
      if (done || due() >= armedFor) return
      cancel()
      check()
    },
    stop: () => {
      done = true
      cancel()
    }
  }
}

/**
 * Which of a stream's deadlines passed.
 *
 * @internal
 */
export type Passed = "headers" | "idle" | "overall"

/**
 * The deadlines of one stream attempt, as its machine moves through them: the headers are due within the
 * attempt's timeout, or sooner when the whole stream is (`overallFirst`); then each wait for an event within the
 * timeout (none runs while the caller holds elements), and the whole stream within `streamTimeout`. `due()` is the
 * deadline in force, for `movingDeadline`; `pass(now)` records which one passed.
 *
 * @internal
 */
export interface StreamDeadlines {
  readonly overallFirst: boolean
  readonly due: () => number
  readonly pass: (now: number) => void
  readonly passed: () => Passed | undefined
  /** The headers are in: the first wait for an event starts now. */
  readonly open: (now: number) => void
  /** A wait for the next event starts now. */
  readonly waitFrom: (now: number) => void
  /** The caller holds elements: no wait runs. */
  readonly hold: () => void
  readonly waiting: () => boolean
}

/** @internal */
export const streamDeadlines = (startedAt: number, idleMillis: number, overallMillis: number): StreamDeadlines => {
  const headersBy = startedAt + Math.min(idleMillis, overallMillis)
  const endBy = startedAt + overallMillis
  let opened = false
  /** When the wait for the next event began; `undefined` while the caller holds the last elements. */
  let waitingSince: number | undefined
  let passed: Passed | undefined
  return {
    overallFirst: overallMillis !== Infinity && overallMillis <= idleMillis,
    due: () => (opened ? Math.min(waitingSince === undefined ? Infinity : waitingSince + idleMillis, endBy) : headersBy),
    pass: (now) => {
      passed = !opened ? "headers" : now >= endBy ? "overall" : "idle"
    },
    passed: () => passed,
    open: (now) => {
      opened = true
      waitingSince = now
    },
    waitFrom: (now) => {
      waitingSince = now
    },
    hold: () => {
      waitingSince = undefined
    },
    waiting: () => waitingSince !== undefined
  }
}
