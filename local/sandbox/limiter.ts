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
  /** Per key: timestamps of accepted requests, oldest first (ring buffer of size = quota). */
  private readonly logs = new Map<string, { times: number[]; head: number; size: number }>();

  /**
   * Records a request for `key` at time `now` (ms, monotonic) against `quota` requests per
   * second. Returns true when accepted, false when over the limit.
   */
  tryAcquire(key: string, quota: number, now: number): boolean {
    if (quota <= 0) return false;
    let log = this.logs.get(key);
    if (!log || log.times.length !== quota) {
      log = { times: new Array<number>(quota).fill(0), head: 0, size: 0 };
      this.logs.set(key, log);
    }
    if (log.size < quota) {
      log.times[(log.head + log.size) % quota] = now;
      log.size++;
      return true;
    }
    // Full: the oldest accepted request must have left the window (now - oldest >= 1 s).
    const oldest = log.times[log.head]!;
    if (now - oldest < WINDOW_MS) return false;
    log.times[log.head] = now;
    log.head = (log.head + 1) % quota;
    return true;
  }

  /** Forgets keys idle for more than a window (bounded memory with many accounts). */
  sweep(now: number): void {
    for (const [key, log] of this.logs) {
      const newest = log.size === 0 ? -Infinity : log.times[(log.head + log.size - 1) % log.times.length]!;
      if (now - newest >= WINDOW_MS) this.logs.delete(key);
    }
  }

  get keys(): number {
    return this.logs.size;
  }
}
