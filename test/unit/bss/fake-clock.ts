/** A deterministic clock + sleep for limiter/retry unit tests. */
export class FakeClock {
  t: number;
  private timers: { at: number; seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private seq = 0;
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now = (): number => this.t;
  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve, reject };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  get pending(): number {
    return this.timers.length;
  }
  /** Lets promise chains settle (several macrotask turns). */
  async flush(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  }
  /** Advances time to `until`, firing timers in order and letting the code react between them. */
  async runUntil(until: number): Promise<void> {
    await this.flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await this.flush();
    }
    this.t = Math.max(this.t, until);
  }
  /** Runs until no timer is left (bounded). */
  async runAll(limit = 100_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await this.flush();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
    throw new Error("timers never ran out");
  }
}

/** Largest number of timestamps inside any closed window [t, t + windowMs]. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! > windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
