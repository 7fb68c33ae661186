import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MARGIN_MS, createRateLimiter } from "../../../shared/bss/limiter.ts";
import { FakeClock, maxInWindow } from "./fake-clock.ts";

/** The window the default limiter keeps k + 1 grants apart: 1000 ms + its jitter margin. */
const W = 1000 + DEFAULT_MARGIN_MS;

async function grantTimes(clock: FakeClock, limiter: ReturnType<typeof createRateLimiter>, n: number, rate: number, key = "k"): Promise<{ times: number[]; order: number[] }> {
  const times: number[] = [];
  const order: number[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    limiter.acquire(key, rate).then(() => {
      times.push(clock.now());
      order.push(i);
    }),
  );
  await clock.runAll();
  await Promise.all(all);
  return { times, order };
}

describe("rate limiter (GCRA pacing + sliding-window rule)", () => {
  it("40 concurrent callers at 10/s: never more than 10 in any closed 1 s window, served FIFO, no idle gaps", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const start = clock.now();
    const { times, order } = await grantTimes(clock, limiter, 40, 10);
    expect(order).toEqual([...Array(40).keys()]);
    expect(maxInWindow(times, 1000)).toBe(10);
    // the first is immediate; spacing is (1000 ms + margin) / 10
    expect(times[0]).toBe(start);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(W / 10, 6);
  });

  it("without a margin a closed window could see rate + 1 (why the margin exists)", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep, marginMs: 0 });
    const { times } = await grantTimes(clock, limiter, 12, 10);
    expect(maxInWindow(times, 1000)).toBe(11);
    expect(maxInWindow(times, 999)).toBe(10);
  });

  it("a larger capacity allows a burst of exactly `capacity` at start", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep, capacity: 5 });
    const { times } = await grantTimes(clock, limiter, 20, 10);
    expect(times.filter((t) => t === times[0]).length).toBe(5);
    expect(maxInWindow(times, 1000)).toBeGreaterThan(10); // documented trade-off of capacity > 1
  });

  it("timers that fire late: the lateness is made up, not lost (200/s, every timer 1 ms late)", async () => {
    const clock = new FakeClock();
    const lateSleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms + 1, signal);
    const limiter = createRateLimiter({ now: clock.now, sleep: lateSleep });
    const { times } = await grantTimes(clock, limiter, 1000, 200);
    const interval = W / 200;
    // Losing every late tick (the old behaviour) would take 999 * 6.5 ms; making it up costs only
    // the lateness once per window of 200 grants.
    expect(times[999]! - times[0]!).toBeLessThanOrEqual(999 * interval + 5 * 1 + interval);
    expect(maxInWindow(times, W - 1)).toBeLessThanOrEqual(200);
  });

  it("a 15 ms stall (GC pause, busy event loop) at 200/s is made up: 400 grants still take 399 intervals", async () => {
    const clock = new FakeClock();
    let sleeps = 0;
    const stallOnce = (ms: number, signal?: AbortSignal) => clock.sleep(ms + (++sleeps === 50 ? 15 : 0), signal);
    const limiter = createRateLimiter({ now: clock.now, sleep: stallOnce });
    const { times } = await grantTimes(clock, limiter, 400, 200);
    expect(times[399]! - times[0]!).toBeLessThanOrEqual(399 * 5.5 + 1e-3);
    expect(maxInWindow(times, W - 1)).toBeLessThanOrEqual(200);
  });

  it("idle time is no burst credit: after a pause the next two are an interval apart", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    await grantTimes(clock, limiter, 3, 10);
    await clock.runUntil(clock.now() + 10_000);
    const { times } = await grantTimes(clock, limiter, 2, 10);
    expect(times[1]! - times[0]!).toBeCloseTo(W / 10, 6);
  });

  it("a non-integer rate never lets floor(rate) + 1 requests into 1 s", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const { times } = await grantTimes(clock, limiter, 60, 10.5);
    expect(maxInWindow(times, W - 1)).toBe(10);
  });

  it("property: timers late by any amount, any rate: floor(rate) + 1 consecutive grants always span >= 1000 + margin", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0.2, max: 60, noNaN: true })),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 20, max: 300 }),
        fc.constantFrom(0, 20, 100),
        async (rate, lateness, n, marginMs) => {
          const clock = new FakeClock();
          let i = 0;
          // each timer fires late by the next lateness in the (cycled) list; sometimes a long stall
          const lateSleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms + lateness[i++ % lateness.length]! * (i % 17 === 0 ? 10 : 0.1), signal);
          const limiter = createRateLimiter({ now: clock.now, sleep: lateSleep, marginMs });
          const { times, order } = await grantTimes(clock, limiter, n, rate);
          expect(order).toEqual([...Array(n).keys()]);
          const k = Math.max(1, Math.floor(rate));
          const span = Math.max(1000 + marginMs, (k * (1000 + marginMs)) / rate);
          for (let j = k; j < times.length; j++) expect(times[j]! - times[j - k]!).toBeGreaterThanOrEqual(span - 1e-3); // float ulp at epoch-sized times
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keys are independent", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const seen: string[] = [];
    const p = [
      limiter.acquire("a", 1).then(() => seen.push(`a1@${clock.now()}`)),
      limiter.acquire("a", 1).then(() => seen.push(`a2@${clock.now()}`)),
      limiter.acquire("b", 1).then(() => seen.push(`b1@${clock.now()}`)),
    ];
    await clock.runAll();
    await Promise.all(p);
    const t0 = clock.t - W;
    expect(seen.sort()).toEqual([`a1@${t0}`, `a2@${t0 + W}`, `b1@${t0}`].sort());
    expect(limiter.size).toBe(2);
  });

  it("an aborted waiter is rejected with the signal's reason and does not hold up the queue", async () => {
    const clock = new FakeClock();
    const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
    const ac = new AbortController();
    const done: number[] = [];
    const first = limiter.acquire("k", 10).then(() => done.push(1));
    const second = limiter.acquire("k", 10, ac.signal).then(
      () => done.push(2),
      (e: unknown) => done.push(e === "stop" ? -2 : 99),
    );
    const third = limiter.acquire("k", 10).then(() => done.push(3));
    await clock.flush();
    ac.abort("stop");
    await clock.runAll();
    await Promise.all([first, second, third]);
    expect(done).toEqual([1, -2, 3]);
    await expect(limiter.acquire("k", 10, ac.signal)).rejects.toBe("stop");
  });

  it("refuses nonsense rates and options", async () => {
    const limiter = createRateLimiter();
    await expect(limiter.acquire("k", 0)).rejects.toThrow(RangeError);
    await expect(limiter.acquire("k", Number.NaN)).rejects.toThrow(RangeError);
    expect(() => createRateLimiter({ capacity: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ marginMs: -1 })).toThrow(RangeError);
  });

  it("property: with capacity 1, any arrival pattern keeps every closed window of 1 s at <= rate", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
        async (rate, arrivals) => {
          const clock = new FakeClock();
          const limiter = createRateLimiter({ now: clock.now, sleep: clock.sleep });
          const base = clock.now();
          const times: number[] = [];
          const sorted = [...arrivals].sort((a, b) => a - b);
          const pending: Promise<void>[] = [];
          for (const at of sorted) {
            await clock.runUntil(base + at);
            pending.push(limiter.acquire("k", rate).then(() => void times.push(clock.now())));
          }
          await clock.runAll();
          await Promise.all(pending);
          expect(times.length).toBe(arrivals.length);
          expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(rate);
          // ... with the whole margin to spare for network jitter
          expect(maxInWindow(times, W - 1)).toBeLessThanOrEqual(rate);
          // and it does not over-throttle: nobody waits longer than the queue ahead of it needs
          const interval = W / rate;
          expect(times[times.length - 1]! - base).toBeLessThanOrEqual(sorted[sorted.length - 1]! + interval * arrivals.length + 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
