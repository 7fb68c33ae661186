/**
 * Fault injection decisions. Pure and deterministic: the decision for request number `n`
 * depends only on (seed, n, configuration).
 *
 * Kinds:
 * - `error`: answer 500 CBC.0999 without doing anything;
 * - `throttle`: answer 429 CBC.0250 or APIG.0308 without doing anything;
 * - `timeout`: never answer (the client must give up);
 * - `ambiguous` (write operations only): apply the effect, then answer 500 or drop the connection;
 * - `latency`: delay the answer (combined with any of the above).
 */
import { hashUnit } from "./rng.ts";

export interface FaultConfig {
  errorRate?: number;
  throttleRate?: number;
  latencyMs?: number | [number, number];
  timeoutRate?: number;
  ambiguousRate?: number;
}

export type FaultKind = "error" | "throttle" | "timeout" | "ambiguous" | "latency";

export interface FaultDecision {
  /** What replaces the normal answer before the operation runs, if anything. */
  before?: "error" | "throttle" | "timeout";
  /** For write operations: apply the effect, then fail this way. */
  after?: "ambiguous-500" | "ambiguous-reset";
  latencyMs: number;
}

function rate(v: number | undefined, name: string): number {
  if (v === undefined) return 0;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`faults.${name} must be between 0 and 1, got ${v}`);
  return v;
}

/** Validates a configuration (rates in [0, 1], summing to at most 1; latency ≥ 0). */
export function validateFaults(f: FaultConfig | undefined): FaultConfig {
  const c = f ?? {};
  const sum = rate(c.errorRate, "errorRate") + rate(c.throttleRate, "throttleRate") + rate(c.timeoutRate, "timeoutRate");
  rate(c.ambiguousRate, "ambiguousRate");
  if (sum > 1 + 1e-9) throw new RangeError("faults.errorRate + throttleRate + timeoutRate must not exceed 1");
  const l = c.latencyMs;
  if (l !== undefined) {
    const [a, b] = typeof l === "number" ? [l, l] : l;
    if (!(Number.isFinite(a) && Number.isFinite(b) && a >= 0 && b >= a)) throw new RangeError("faults.latencyMs must be ms ≥ 0 or [min, max] with min ≤ max");
  }
  return c;
}

export function decideFault(seed: number | string, n: number, config: FaultConfig, isWrite: boolean): FaultDecision {
  const d: FaultDecision = { latencyMs: 0 };
  const l = config.latencyMs;
  if (l !== undefined) {
    const [a, b] = typeof l === "number" ? [l, l] : l;
    d.latencyMs = Math.round(a + (b - a) * hashUnit(seed, `fault-latency:${n}`));
  }
  const u = hashUnit(seed, `fault:${n}`);
  const e = config.errorRate ?? 0;
  const t = config.throttleRate ?? 0;
  const to = config.timeoutRate ?? 0;
  if (u < e) d.before = "error";
  else if (u < e + t) d.before = "throttle";
  else if (u < e + t + to) d.before = "timeout";
  else if (isWrite && (config.ambiguousRate ?? 0) > 0 && hashUnit(seed, `fault-ambiguous:${n}`) < config.ambiguousRate!) {
    d.after = hashUnit(seed, `fault-ambiguous-kind:${n}`) < 0.5 ? "ambiguous-500" : "ambiguous-reset";
  }
  return d;
}
