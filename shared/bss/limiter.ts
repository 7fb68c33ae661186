/**
 * Client-side flow control: one queue per key (account + operation), so that partner-ops stays
 * under BSS's documented quota (N requests per second per account per API) instead of collecting
 * 429s. Callers are released strictly in call order per key; nobody overtakes a waiting caller.
 *
 * Two rules decide when the head of a queue may go (W = 1000 + marginMs):
 *
 * 1. Pacing (GCRA, "virtual scheduling"): slots are `interval = W / rate` ms apart on a schedule
 *    (`tat`, the theoretical arrival time of the next request). A request's slot is the later of
 *    `tat` and the time it called acquire(). Timers and a busy event loop can only make a grant
 *    late; up to max(interval, MAKE_UP_MS) of that lateness is made up (the next slot is counted
 *    from the slot, not from the late grant), anything beyond is lost. Because a slot is never
 *    before the caller arrived, idle time is no burst credit. Without the make-up every late timer
 *    was lost for good (Node timers have 1 ms granularity and fire late under load): at 200/s
 *    (5.5 ms slots) the limiter alone delivered ~0.81x the rate instead of 0.91x, 0.65x at 500/s.
 *
 * 2. Window (the safety rule, capacity 1): with k = max(1, floor(rate)), a grant is never less
 *    than `max(W, k * interval)` ms after the grant k positions before it. So any k + 1
 *    consecutive grants span at least W: ANY window of 1000 ms (open or closed) on the server
 *    holds at most k of them even if the first reaches the server up to `marginMs` later
 *    (relative to the last) than it left the limiter. Rule 2 holds whatever the timers do, so
 *    the make-up of rule 1 can never squeeze k + 1 grants into W. Rule 2 also makes a
 *    non-integer rate safe against a server that counts whole requests (at most floor(rate)).
 *
 * The margin is an absolute time, not a fraction of the interval, on purpose: it absorbs how much
 * later one request can reach the server than another (network jitter, event-loop stalls, GC
 * pauses), which does not shrink when the rate grows. Its cost is the same fraction at every rate:
 * the ceiling is 1000 / W of the quota. The default is 100 ms (ceiling 0.909x). A 40 ms margin
 * (ceiling 0.962x, the only way to the issue-17 target of 0.95x, which needs <= 52 ms) let 11 or 12
 * requests into one server-side second whenever the host was busy — in bench/renewal (196 throttled
 * answers per 10,000 calls) and in test/integration/bss/client.test.ts — so the safe default stays
 * 100 ms and the rate target is reported as missed. Where the path to BSS is quieter, pass a smaller
 * `marginMs` (BssClientOptions.rateMarginMs); a rare 429 is retried by the transport either way.
 *
 * A capacity > 1 (burst) is plain GCRA with tolerance (capacity - 1) * interval, no window rule
 * and no make-up: it admits capacity + rate * T requests in T seconds (documented trade-off, not used by
 * the client).
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
  /** Jitter tolerance, ms (absolute, see above): floor(r) + 1 consecutive requests span at least 1000 + marginMs ms. Default 100. */
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
  /** When acquire() was called: the earliest slot this waiter can be given. */
  since: number;
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
  /** The most recent grant times, a ring buffer (oldest at `head` once full), for the window rule. */
  grants: number[];
  head: number;
  /** Time before which forgetting this key could break the window rule (last grant + its span). */
  quietAt: number;
}

/** The grant `k` positions before the next one, or -Infinity when fewer than k grants were made. */
function kthLastGrant(b: Bucket, k: number): number {
  const n = b.grants.length;
  if (n < k) return Number.NEGATIVE_INFINITY;
  return b.grants[(b.head + n - k) % n]!;
}

/** Records a grant, keeping the last `k` (re-laying the ring out when k changed with the rate). */
function recordGrant(b: Bucket, t: number, k: number): void {
  const n = b.grants.length;
  if (n === k && k > 0) {
    b.grants[b.head] = t;
    b.head = (b.head + 1) % n;
    return;
  }
  const ordered = n === 0 ? [] : [...b.grants.slice(b.head), ...b.grants.slice(0, b.head)];
  ordered.push(t);
  b.grants = ordered.slice(Math.max(0, ordered.length - k));
  b.head = 0;
}

const MAX_IDLE_KEYS = 10_000;
/** Lateness (ms) made up at the least, however short the interval: timer ticks, a GC pause. */
const MAKE_UP_MS = 20;
export const DEFAULT_MARGIN_MS = 100;

export function createRateLimiter(options: LimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const capacity = options.capacity ?? 1;
  const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("limiter capacity must be an integer >= 1");
  if (!(marginMs >= 0 && marginMs <= 1000)) throw new RangeError("limiter marginMs must be in [0, 1000]");
  const windowMs = 1000 + marginMs;
  const buckets = new Map<string, Bucket>();

  const prune = (t: number): void => {
    if (buckets.size < MAX_IDLE_KEYS) return;
    for (const [k, b] of buckets) if (!b.running && b.queue.length === 0 && b.tat <= t && b.quietAt <= t) buckets.delete(k);
  };

  // Serves one bucket's queue in order. The window rule is checked against the times the waiters
  // were actually released (not times reserved in advance), so no timer behaviour can squeeze
  // k + 1 grants closer together than the span.
  const pump = async (bucket: Bucket): Promise<void> => {
    bucket.running = true;
    try {
      while (bucket.queue.length > 0) {
        const head = bucket.queue[0]!;
        if (head.done) {
          bucket.queue.shift();
          continue;
        }
        const interval = windowMs / head.rate;
        const t = now();
        let start: number;
        let k = 0;
        let span = 0;
        if (capacity === 1) {
          k = Math.max(1, Math.floor(head.rate));
          span = Math.max(windowMs, k * interval);
          start = Math.max(t, bucket.tat, kthLastGrant(bucket, k) + span);
        } else {
          start = Math.max(t, bucket.tat - (capacity - 1) * interval);
        }
        if (start > t) {
          await sleep(start - t);
          continue; // re-read the clock and the head (it may have been cancelled meanwhile)
        }
        if (k > 0) {
          // Made late by timers or a busy event loop: count the next slot from this one, making up
          // to max(interval, MAKE_UP_MS) of the lateness (the window rule keeps that safe).
          const slot = Math.max(bucket.tat, head.since);
          bucket.tat = Math.max(slot, t - Math.max(interval, MAKE_UP_MS)) + interval;
          recordGrant(bucket, t, k);
          bucket.quietAt = t + span;
        } else {
          bucket.tat = Math.max(bucket.tat, t) + interval; // plain GCRA: no window rule, so no make-up
        }
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
        bucket = { tat: t, queue: [], running: false, grants: [], head: 0, quietAt: t };
        buckets.set(key, bucket);
      }
      const b = bucket;
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { rate: ratePerSecond, since: now(), resolve, reject, done: false };
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
