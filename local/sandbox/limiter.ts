/**
 * Flow control as BSS documents it: N requests per 1 second per (account, API). Pure: the clock
 * is passed in.
 *
 * The sandbox reads "N per second" strictly: at most N accepted requests in ANY rolling
 * 1000 ms window (a sliding log), not per calendar second and not a token bucket with a burst on
 * top. A client that stays under it also stays under the looser readings. Rejected requests do
 * not consume quota.
 */

export const WINDOW_MS = 1000;

export class SlidingWindowLimiter {
  /** Per key: times of the accepted requests still inside the window, oldest first (from `head`). */
  private readonly logs = new Map<string, { times: number[]; head: number }>();

  /**
   * Records a request for `key` at time `now` (ms, monotonic) against `quota` requests per
   * second. Returns true when accepted, false when over the limit.
   */
  tryAcquire(key: string, quota: number, now: number): boolean {
    if (quota <= 0) return false;
    let log = this.logs.get(key);
    if (!log) {
      log = { times: [], head: 0 };
      this.logs.set(key, log);
    }
    const { times } = log;
    while (log.head < times.length && now - times[log.head]! >= WINDOW_MS) log.head++;
    if (log.head > 64 && log.head * 2 > times.length) {
      times.splice(0, log.head);
      log.head = 0;
    }
    if (times.length - log.head >= quota) return false;
    times.push(now);
    return true;
  }

  /** Forgets keys idle for more than a window (bounded memory with many accounts). */
  sweep(now: number): void {
    for (const [key, log] of this.logs) {
      const newest = log.times.length > log.head ? log.times[log.times.length - 1]! : -Infinity;
      if (now - newest >= WINDOW_MS) this.logs.delete(key);
    }
  }

  get keys(): number {
    return this.logs.size;
  }
}
