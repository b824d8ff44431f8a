/**
 * A fake clock for a transport's retries: `sleep` records each wait and advances the clock at once, `now` reads
 * it, `log` keeps each message. Retries run instantly while a deadline (a cluster resuming, a function starting)
 * still counts; the test reads back every wait and message.
 */
export class FakeClock {
  readonly waits: number[] = []
  readonly logs: string[] = []
  /** Milliseconds slept so far. */
  elapsed = 0

  readonly sleep = async (ms: number): Promise<void> => {
    this.waits.push(ms)
    this.elapsed += ms
  }

  readonly now = (): number => this.elapsed

  readonly log = (message: string): void => {
    this.logs.push(message)
  }

  /** The options a transport takes for its retries: `{ log, sleep, now }`. */
  get hooks(): { log: (message: string) => void; sleep: (ms: number) => Promise<void>; now: () => number } {
    return { log: this.log, sleep: this.sleep, now: this.now }
  }
}
