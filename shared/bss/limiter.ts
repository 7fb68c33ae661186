/**
 * Client-side flow control: one token bucket per key (account + operation), so that partner-ops
 * stays under BSS's documented quota (10 requests per second per account per API) instead of
 * collecting 429s.
 *
 * Implemented as GCRA ("virtual scheduling"), which is a token bucket expressed as the next
 * time a token is available. Each key has a FIFO queue: callers are released strictly in call
 * order and nobody can overtake a waiting caller. A token is taken at the moment a caller is
 * released (not reserved in advance), so a late timer never squeezes two requests together.
 *
 * Sliding-window guarantee. A bucket of capacity C refilled at r tokens/s admits up to
 * C + r*T requests in a window of T seconds, so a full bucket at start would let C + r requests
 * into the first second. The default capacity is therefore 1 (no burst), and slots are spaced
 * `(1000 + marginMs) / rate` ms apart: r + 1 consecutive requests then span 1000 + marginMs ms,
 * so ANY 1-second window (open or closed) holds at most r of them even if the first request
 * reaches the server up to `marginMs` later (relative to the last) than it left the limiter.
 * Default 100 ms: 110 ms spacing at 10/s, i.e. 91 % of the quota. On a loaded 2-core test
 * machine 20 ms was not enough and 50 ms failed under artificial CPU load; a back-office
 * workload loses little by being 9 % slower and never collecting 429s.
 */

export type Clock = () => number;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface LimiterOptions {
  /** Milliseconds since epoch (injectable for tests). */
  now?: Clock;
  /** Waits `ms`; must reject when `signal` aborts (injectable for tests). */
  sleep?: Sleep;
  /** Burst size (tokens in a full bucket). Default 1: see the sliding-window note above. */
  capacity?: number;
  /** Jitter tolerance: r + 1 consecutive requests span at least 1000 + marginMs ms. Default 100. */
  marginMs?: number;
}

export interface RateLimiter {
  /**
   * Waits until a request for `key` may be sent at `ratePerSecond`. Resolves in call order per
   * key. Rejects with the signal's reason when `signal` aborts (the reserved slot is then lost).
   */
  acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void>;
  /** Number of keys currently tracked. */
  readonly size: number;
}

/** Real-time sleep that honours an AbortSignal. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    if (ms <= 0) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

interface Waiter {
  rate: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  done: boolean;
  cleanup?: () => void;
}

interface Bucket {
  /** Theoretical arrival time of the next request (GCRA's TAT), ms. */
  tat: number;
  queue: Waiter[];
  running: boolean;
}

const MAX_IDLE_KEYS = 10_000;
export const DEFAULT_MARGIN_MS = 100;

export function createRateLimiter(options: LimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const capacity = options.capacity ?? 1;
  const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("limiter capacity must be an integer >= 1");
  if (!(marginMs >= 0 && marginMs <= 1000)) throw new RangeError("limiter marginMs must be in [0, 1000]");
  const buckets = new Map<string, Bucket>();

  const prune = (t: number): void => {
    if (buckets.size < MAX_IDLE_KEYS) return;
    for (const [k, b] of buckets) if (!b.running && b.queue.length === 0 && b.tat <= t) buckets.delete(k);
  };

  // Serves one bucket's queue in order. A slot is granted at the time the waiter is actually
  // released (not at a time reserved in advance), so a late timer can never squeeze two grants
  // closer together than the interval.
  const pump = async (bucket: Bucket): Promise<void> => {
    bucket.running = true;
    try {
      while (bucket.queue.length > 0) {
        const head = bucket.queue[0]!;
        if (head.done) {
          bucket.queue.shift();
          continue;
        }
        const interval = (1000 + marginMs) / head.rate;
        const tolerance = (capacity - 1) * interval;
        const t = now();
        const start = Math.max(t, bucket.tat - tolerance);
        if (start > t) {
          await sleep(start - t);
          continue; // re-read the clock and the head (it may have been cancelled meanwhile)
        }
        bucket.tat = Math.max(bucket.tat, t) + interval;
        bucket.queue.shift();
        head.done = true;
        head.cleanup?.();
        head.resolve();
      }
    } catch (err) {
      // Only an injected sleep can throw here; fail the waiters instead of leaving them hanging.
      for (const w of bucket.queue.splice(0)) {
        if (!w.done) {
          w.done = true;
          w.cleanup?.();
          w.reject(err);
        }
      }
    } finally {
      bucket.running = false;
    }
  };

  return {
    acquire(key, ratePerSecond, signal) {
      if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
        return Promise.reject(new RangeError(`rate for ${key} must be a positive number`));
      }
      if (signal?.aborted) return Promise.reject(signal.reason);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        const t = now();
        prune(t);
        bucket = { tat: t, queue: [], running: false };
        buckets.set(key, bucket);
      }
      const b = bucket;
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { rate: ratePerSecond, resolve, reject, done: false };
        if (signal) {
          const onAbort = (): void => {
            if (waiter.done) return;
            waiter.done = true;
            reject(signal.reason);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          waiter.cleanup = () => signal.removeEventListener("abort", onAbort);
        }
        b.queue.push(waiter);
        if (!b.running) void pump(b);
      });
    },
    get size() {
      return buckets.size;
    },
  };
}
