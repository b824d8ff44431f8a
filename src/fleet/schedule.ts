/**
 * The order a fleet runs in: waves in order (`wave: 1` first, targets without a wave last), and within a wave
 * at most `concurrency` targets at once. When the fleet must stop — a target failed or was refused under
 * `on-error: stop`, or the run was cancelled — nothing new starts, and the targets already running are asked
 * to stop after the version they are on (their `stop()` says why); those never started are skipped.
 */
import type { FleetTarget, OnError } from './types.js'

export interface ScheduleOptions {
  concurrency: number
  onError: OnError
  /** Aborted when the run is cancelled (SIGINT, SIGTERM). */
  signal?: AbortSignal
}

export interface Work<R> {
  /** Runs one target. `stop()` is null while it may go on, else why it should stop before its next version. */
  run(target: FleetTarget, stop: () => string | null): Promise<R>
  /** Whether a result stops the fleet under on-error: stop (a failure or a refusal). */
  stopsFleet(result: R): boolean
  /** The result of a target that never started, and why. */
  skipped(target: FleetTarget, reason: string): R
  /** The result of a target whose `run` threw instead of returning its failure (a defect): it counts as failed. */
  crashed(target: FleetTarget, message: string): R
  /** Called as each target finishes, in the order they finish. */
  finished?(target: FleetTarget, result: R, done: number, total: number): void
}

/** Wave numbers in the order they run; `null` (no wave) last. */
export function waveOrder(targets: readonly FleetTarget[]): Array<number | null> {
  const numbered = [...new Set(targets.map((t) => t.wave).filter((w): w is number => w !== null))].sort((a, b) => a - b)
  return targets.some((t) => t.wave === null) ? [...numbered, null] : numbered
}

/** Runs the fleet; returns one result per target, in the targets' order. */
export async function runSchedule<R>(targets: readonly FleetTarget[], options: ScheduleOptions, work: Work<R>): Promise<R[]> {
  const results = new Map<FleetTarget, R>()
  let stopReason: string | null = null
  const cancelled = (): string | null => (options.signal?.aborted ? 'the run was cancelled' : null)
  const stop = (): string | null => stopReason ?? cancelled()
  let done = 0
  const finish = (target: FleetTarget, result: R): void => {
    results.set(target, result)
    done += 1
    work.finished?.(target, result, done, targets.length)
  }

  for (const wave of waveOrder(targets)) {
    const queue = targets.filter((t) => t.wave === wave)
    const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
      for (;;) {
        const reason = stop()
        const target = queue.shift()
        if (!target) return
        if (reason) {
          finish(target, work.skipped(target, reason))
          continue
        }
        let result: R
        try {
          result = await work.run(target, stop)
        } catch (error) {
          // run() reports its own failures as results; an exception here is a defect: still one result per target, a failure.
          result = work.crashed(target, error instanceof Error ? error.message : String(error))
        }
        if (options.onError === 'stop' && stopReason === null && work.stopsFleet(result)) {
          stopReason = `${target.name} did not apply (on-error: stop)`
        }
        finish(target, result)
      }
    })
    await Promise.all(workers)
  }
  return targets.map((target) => results.get(target)!)
}
