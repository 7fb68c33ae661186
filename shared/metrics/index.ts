/**
 * Operator metrics (issue 16.2) — the one adapter over Powertools Metrics (CloudWatch embedded metric
 * format: JSON lines on stdout that CloudWatch Logs turns into metrics; no API calls). Handlers and
 * adapters count; pure modules never import this.
 *
 * Counts are aggregated per (metric, dimensions) during an invocation and written at `flush()` — one
 * EMF line per dimension set (namespace `POWERTOOLS_METRICS_NAMESPACE`, dimension `service` plus the
 * metric's own). Locally (`PARTNER_OPS_METRICS_FILE`, set by the embedded engine) the same EMF objects
 * are appended to that file instead of stdout; `partner-ops metrics` sums them (summariseEmf).
 */
import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { BssEvent } from "../bss/client.ts";
import { THROTTLE_CODES } from "../bss/errors.ts";

/** Every metric partner-ops emits, with the dimension that splits it (the dashboard's SEARCH uses the same). */
export const METRICS = {
  RemindersDue: "channel",
  RemindersSent: "channel",
  RemindersFailed: "channel",
  Notices: "kind",
  Applications: "state",
  BssCalls: "operation",
  BssRetries: "operation",
  BssThrottles: "operation",
  RecordsSkipped: undefined,
} as const satisfies Record<string, string | undefined>;
export type MetricName = keyof typeof METRICS;

export interface MetricsPort {
  /** Adds `value` (default 1) to a metric; `dimension` is the value of the metric's own dimension. */
  count(name: MetricName, dimension?: string, value?: number): void;
  /** Writes what was counted since the last flush (one EMF object per dimension set) and resets. */
  flush(): void;
}

export interface MetricsOptions {
  namespace?: string;
  service?: string;
  /** Local sink: EMF objects appended as JSON lines (mode 0600) instead of stdout. */
  file?: string;
  /** Without a file: print EMF to stdout (CloudWatch Logs reads it). False drops the counts. Default true. */
  stdout?: boolean;
}

const DIMENSION_VALUE = /^[\w.:/@+-]{1,100}$/;

export function metricsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsOptions {
  return {
    namespace: env["POWERTOOLS_METRICS_NAMESPACE"] || "PartnerOps",
    service: env["POWERTOOLS_SERVICE_NAME"] || "partner-ops",
    ...(env["PARTNER_OPS_METRICS_FILE"] ? { file: env["PARTNER_OPS_METRICS_FILE"] } : {}),
    // The embedded engine without a data dir (--in-memory): nowhere to keep them, and stdout is the console.
    stdout: env["PARTNER_OPS_ENGINE"] !== "1",
  };
}

export function createMetrics(options: MetricsOptions = metricsOptionsFromEnv()): MetricsPort {
  const namespace = options.namespace ?? "PartnerOps";
  const service = options.service ?? "partner-ops";
  const counts = new Map<string, { name: MetricName; dimension: string | undefined; value: number }>();
  return {
    count(name, dimension, value = 1) {
      if (!Number.isFinite(value) || value <= 0) return;
      const dimName = METRICS[name];
      // A dimension value comes from our own code (channel, kind, state, operation), never from input;
      // anything unexpected is folded into "other" so a bug cannot explode the number of series.
      const dim = dimName === undefined ? undefined : dimension !== undefined && DIMENSION_VALUE.test(dimension) ? dimension : "other";
      const key = `${name}\u0000${dim ?? ""}`;
      const entry = counts.get(key);
      if (entry) entry.value += value;
      else counts.set(key, { name, dimension: dim, value });
    },
    flush() {
      if (counts.size === 0) return;
      const groups = new Map<string, { dims: Record<string, string>; metrics: { name: MetricName; value: number }[] }>();
      for (const c of counts.values()) {
        const dimName = METRICS[c.name];
        const dims: Record<string, string> = dimName && c.dimension ? { [dimName]: c.dimension } : {};
        const key = JSON.stringify(dims);
        const g = groups.get(key) ?? { dims, metrics: [] };
        g.metrics.push({ name: c.name, value: c.value });
        groups.set(key, g);
      }
      counts.clear();
      for (const g of groups.values()) {
        const m = new Metrics({ namespace, serviceName: service });
        if (Object.keys(g.dims).length > 0) m.addDimensions(g.dims);
        for (const x of g.metrics) m.addMetric(x.name, MetricUnit.Count, x.value);
        if (options.file) {
          appendFileSync(options.file, `${JSON.stringify(m.serializeMetrics())}\n`, { mode: 0o600 });
          m.clearMetrics();
        } else if (options.stdout !== false) {
          m.publishStoredMetrics();
        } else {
          m.clearMetrics();
        }
      }
    },
  };
}

/**
 * The BSS client's `onEvent` observer (one event per HTTP attempt): attempt 1 is a call, later attempts
 * are retries, a 429 / CBC.0250 / APIG.0308 answer is a throttle. Never throws.
 */
export function bssMetricsObserver(metrics: MetricsPort): (event: BssEvent) => void {
  return (event) => {
    if (event.type !== "attempt") return;
    metrics.count(event.attempt <= 1 ? "BssCalls" : "BssRetries", event.operation);
    if (event.status === 429 || (event.code !== undefined && THROTTLE_CODES.has(event.code))) metrics.count("BssThrottles", event.operation);
  };
}

/**
 * notify's per-channel observer (shared/notify/deliver.ts `onChannel`): reminders due, sent and
 * failed per channel type. Never throws.
 */
export function deliveryMetricsObserver(metrics: MetricsPort): (type: string, due: number, outcome: { sent: number; error?: string | undefined }) => void {
  return (type, due, outcome) => {
    metrics.count("RemindersDue", type, due);
    metrics.count("RemindersSent", type, outcome.sent);
    if (outcome.error !== undefined) metrics.count("RemindersFailed", type, due - outcome.sent);
  };
}

// ---------------------------------------------------------------------------------------------
// Reading EMF back (partner-ops metrics)

export interface MetricTotal {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

interface EmfObject {
  _aws?: { CloudWatchMetrics?: { Namespace?: string; Dimensions?: string[][]; Metrics?: { Name?: string }[] }[] };
  [k: string]: unknown;
}

/**
 * Sums EMF lines (JSON objects with `_aws.CloudWatchMetrics`) per namespace, metric and dimension
 * values. Other lines (plain logs) are skipped; at most `maxLines` lines are read. Pure.
 */
export function summariseEmf(lines: Iterable<string>, maxLines = 1_000_000): MetricTotal[] {
  const totals = new Map<string, MetricTotal>();
  let n = 0;
  for (const line of lines) {
    if (++n > maxLines) break;
    const t = line.trim();
    if (!t.startsWith("{") || !t.includes("CloudWatchMetrics") || t.length > 100_000) continue;
    let o: EmfObject;
    try {
      o = JSON.parse(t) as EmfObject;
    } catch {
      continue;
    }
    for (const d of o._aws?.CloudWatchMetrics ?? []) {
      const dims: Record<string, string> = {};
      for (const k of (d.Dimensions ?? []).flat()) if (typeof o[k] === "string") dims[k] = o[k] as string;
      for (const m of d.Metrics ?? []) {
        const name = m.Name;
        const raw = name === undefined ? undefined : o[name];
        const values = Array.isArray(raw) ? raw : [raw];
        const value = values.reduce<number>((s, v) => s + (typeof v === "number" && Number.isFinite(v) ? v : 0), 0);
        if (name === undefined) continue;
        const key = JSON.stringify([d.Namespace ?? "", name, Object.entries(dims).sort()]);
        const prev = totals.get(key);
        if (prev) prev.value += value;
        else totals.set(key, { namespace: d.Namespace ?? "", name, dimensions: dims, value });
      }
    }
  }
  return [...totals.values()].sort((a, b) => a.name.localeCompare(b.name) || JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions)));
}

/** The file the embedded engine appends its functions' EMF objects to, in its data dir. */
export const metricsFileOf = (dataDir: string) => join(dataDir, "metrics.jsonl");

/** Largest metrics file read (a local engine writes a few hundred bytes per invocation). */
export const METRICS_FILE_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Reads and sums a local metrics file (summariseEmf) — `partner-ops metrics` and the console's Health
 * view. "missing" when the file does not exist yet, "too-large" above `maxBytes`.
 */
export function readMetricsFile(path: string, maxBytes = METRICS_FILE_MAX_BYTES): { totals: MetricTotal[] } | { missing: true } | { tooLarge: true } {
  if (!existsSync(path)) return { missing: true };
  if (statSync(path).size > maxBytes) return { tooLarge: true };
  return { totals: summariseEmf(readFileSync(path, "utf8").split("\n")) };
}

export interface OperatorMetrics {
  /** BSS calls, retries and throttles per BSS operation, by operation name. */
  bss: { operation: string; calls: number; retries: number; throttles: number }[];
  recordsSkipped: number;
}

/** The Health view's figures from summed metrics (any namespace/service). Pure. */
export function operatorMetrics(totals: readonly MetricTotal[]): OperatorMetrics {
  const ops = new Map<string, { operation: string; calls: number; retries: number; throttles: number }>();
  let recordsSkipped = 0;
  const field = { BssCalls: "calls", BssRetries: "retries", BssThrottles: "throttles" } as const;
  for (const t of totals) {
    if (t.name === "RecordsSkipped") recordsSkipped += t.value;
    const f = field[t.name as keyof typeof field];
    if (!f) continue;
    const operation = t.dimensions["operation"] ?? "other";
    const row = ops.get(operation) ?? { operation, calls: 0, retries: 0, throttles: 0 };
    row[f] += t.value;
    ops.set(operation, row);
  }
  return { bss: [...ops.values()].sort((a, b) => a.operation.localeCompare(b.operation)), recordsSkipped };
}
