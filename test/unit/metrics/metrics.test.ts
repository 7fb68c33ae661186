/** shared/metrics: EMF output (the CloudWatch embedded metric format), the local file sink, summing back, the BSS observer. */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { command } from "../../../local/commands/metrics.ts";
import { METRICS, bssMetricsObserver, createMetrics, deliveryMetricsObserver, operatorMetrics, readMetricsFile, summariseEmf, type MetricName } from "../../../shared/metrics/index.ts";

const dirs: string[] = [];
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), "po-metrics-"));
  dirs.push(d);
  return join(d, "metrics.jsonl");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("createMetrics", () => {
  it("writes one EMF object per dimension set, as the CloudWatch EMF specification shapes it", () => {
    const file = tempFile();
    const m = createMetrics({ namespace: "PartnerOps", service: "partner-ops", file });
    m.count("RemindersSent", "email", 3);
    m.count("RemindersSent", "email");
    m.count("RemindersFailed", "email", 2);
    m.count("RemindersSent", "dingtalk");
    m.count("RecordsSkipped", undefined, 5);
    m.flush();
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const email = lines.find((l) => l.channel === "email");
    // EMF: _aws.Timestamp (ms), CloudWatchMetrics[{Namespace, Dimensions: [[names]], Metrics: [{Name, Unit}]}], values at the top level.
    expect(typeof email._aws.Timestamp).toBe("number");
    expect(email._aws.CloudWatchMetrics[0].Namespace).toBe("PartnerOps");
    expect(email._aws.CloudWatchMetrics[0].Dimensions[0].sort()).toEqual(["channel", "service"]);
    expect(email._aws.CloudWatchMetrics[0].Metrics).toEqual(expect.arrayContaining([{ Name: "RemindersSent", Unit: "Count" }, { Name: "RemindersFailed", Unit: "Count" }]));
    expect(email).toMatchObject({ service: "partner-ops", RemindersSent: 4, RemindersFailed: 2 });
    expect(lines.find((l) => "RecordsSkipped" in l)?._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(["service"]);
    // Flushed: a second flush writes nothing.
    m.flush();
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("a dimension value that is not a plain token becomes 'other' (no series explosion, no input in metrics)", () => {
    const file = tempFile();
    const m = createMetrics({ file });
    m.count("Notices", "x y\n<script>");
    m.count("Notices", "a".repeat(200));
    m.flush();
    expect(summariseEmf(readFileSync(file, "utf8").split("\n"))).toEqual([{ namespace: "PartnerOps", name: "Notices", dimensions: { service: "partner-ops", kind: "other" }, value: 2 }]);
  });

  it("property: summing the written EMF gives back every count (oracle: a plain map of the inputs)", () => {
    const names = Object.keys(METRICS) as MetricName[];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom("email", "webhook", "ListSubCustomers", "approved"), fc.integer({ min: 1, max: 1000 })), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (counts, flushes) => {
        const file = tempFile();
        const m = createMetrics({ file });
        const expected = new Map<string, number>();
        counts.forEach(([name, dim, v], i) => {
          m.count(name, dim, v);
          const key = `${name}|${METRICS[name] === undefined ? "" : dim}`;
          expected.set(key, (expected.get(key) ?? 0) + v);
          if (i % flushes === 0) m.flush();
        });
        m.flush();
        let text = "";
        try {
          text = readFileSync(file, "utf8");
        } catch {
          // nothing written
        }
        const got = new Map(summariseEmf(text.split("\n")).map((t) => [`${t.name}|${Object.entries(t.dimensions).filter(([k]) => k !== "service").map(([, v]) => v).join("")}`, t.value]));
        expect(got).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe("summariseEmf", () => {
  it("skips log lines, broken JSON and non-EMF objects; sums array values", () => {
    const emf = (v: unknown) => JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "N", Dimensions: [["service", "operation"]], Metrics: [{ Name: "BssCalls", Unit: "Count" }] }] }, service: "s", operation: "PayOrders", BssCalls: v });
    const out = summariseEmf(['{"level":"INFO","message":"x"}', "not json", "{broken CloudWatchMetrics", emf(2), emf([1, 2])]);
    expect(out).toEqual([{ namespace: "N", name: "BssCalls", dimensions: { service: "s", operation: "PayOrders" }, value: 5 }]);
  });
});

describe("bssMetricsObserver", () => {
  it("attempt 1 is a call, later attempts retries, 429/CBC.0250/APIG.0308 throttles", () => {
    const file = tempFile();
    const m = createMetrics({ file });
    const observe = bssMetricsObserver(m);
    const attempt = (attempt: number, extra: object = {}) => observe({ type: "attempt", operation: "ListSubCustomers", method: "POST", path: "/x", attempt, outcome: "ok", durationMs: 1, ...extra });
    attempt(1, { outcome: "retry", status: 429, code: "CBC.0250" });
    attempt(2, { outcome: "retry", status: 200, code: "APIG.0308" });
    attempt(3);
    attempt(1);
    observe({ type: "reconcile", operation: "PayOrders", result: "found", detail: "" });
    m.flush();
    const got = Object.fromEntries(summariseEmf(readFileSync(file, "utf8").split("\n")).map((t) => [t.name, t.value]));
    expect(got).toEqual({ BssCalls: 2, BssRetries: 2, BssThrottles: 2 });
  });
});

describe("deliveryMetricsObserver", () => {
  it("counts due and sent per channel type, and failed = due - sent only when the channel failed", () => {
    const file = tempFile();
    const m = createMetrics({ file });
    const observe = deliveryMetricsObserver(m);
    observe("email", 3, { sent: 3 });
    observe("webhook", 4, { sent: 1, error: "HTTP 503" });
    observe("email", 2, { sent: 2 });
    m.flush();
    const got = Object.fromEntries(summariseEmf(readFileSync(file, "utf8").split("\n")).map((t) => [`${t.name}/${t.dimensions["channel"]}`, t.value]));
    expect(got).toEqual({ "RemindersDue/email": 5, "RemindersSent/email": 5, "RemindersDue/webhook": 4, "RemindersSent/webhook": 1, "RemindersFailed/webhook": 3 });
  });
});

describe("partner-ops metrics", () => {
  it("prints the sums of the data dir's metrics file; exit 1 with a clear message when there is none", async () => {
    const file = tempFile();
    const m = createMetrics({ file });
    m.count("Applications", "approved", 2);
    m.count("BssThrottles", "PayOrders");
    m.flush();
    const out = new PassThrough();
    const err = new PassThrough();
    const io = { stdin: new PassThrough(), stdout: out, stderr: err, env: {} };
    expect(await command.run(["--file", file], io)).toBe(0);
    const text = out.read()?.toString() ?? "";
    expect(text).toMatch(/Applications\s+state=approved\s+2/);
    expect(text).toMatch(/BssThrottles\s+operation=PayOrders\s+1/);
    expect(await command.run(["--data-dir", join(file, "..", "nowhere")], io)).toBe(1);
    expect(err.read()?.toString()).toContain("no metrics yet");
  });
});

describe("notices by kind (invoice-email)", () => {
  it("maps each intake report to one kind", async () => {
    const { noticeMetricKind } = await import("../../../functions/invoice-email/app.ts");
    const plan = (kind: string, copy: unknown = null) => ({ kind, copy }) as never;
    expect(noticeMetricKind({ status: "processed", sourceKey: "k", plan: plan("invoice-notice") })).toBe("notice");
    expect(noticeMetricKind({ status: "processed", sourceKey: "k", plan: plan("needs-review") })).toBe("needs-review");
    expect(noticeMetricKind({ status: "processed", sourceKey: "k", plan: plan("rejected") })).toBe("rejected");
    expect(noticeMetricKind({ status: "processed", sourceKey: "k", plan: plan("not-invoice", { from: "a", to: "b", contentType: "x" }) })).toBe("quarantined");
    expect(noticeMetricKind({ status: "not-invoice", sourceKey: "k", plan: plan("not-invoice") })).toBe("not-invoice");
    expect(noticeMetricKind({ status: "duplicate", sourceKey: "k" })).toBe("duplicate");
  });
});

describe("operatorMetrics / readMetricsFile (console Health view)", () => {
  it("groups BSS calls, retries and throttles per operation and totals the skipped records", () => {
    const dir = mkdtempSync(join(tmpdir(), "opmetrics-"));
    try {
      const file = join(dir, "metrics.jsonl");
      expect(readMetricsFile(file)).toEqual({ missing: true });
      const m = createMetrics({ file });
      m.count("BssCalls", "ListCustomerResources", 3);
      m.count("BssRetries", "ListCustomerResources");
      m.count("BssThrottles", "ListCustomerResources");
      m.count("BssCalls", "RenewResources");
      m.count("RecordsSkipped", undefined, 2);
      m.count("RemindersSent", "email");
      m.flush();
      m.count("RecordsSkipped", undefined, 1);
      m.flush();
      const read = readMetricsFile(file);
      if (!("totals" in read)) throw new Error("not read");
      expect(operatorMetrics(read.totals)).toEqual({
        bss: [
          { operation: "ListCustomerResources", calls: 3, retries: 1, throttles: 1 },
          { operation: "RenewResources", calls: 1, retries: 0, throttles: 0 },
        ],
        recordsSkipped: 3,
      });
      expect(readMetricsFile(file, 10)).toEqual({ tooLarge: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
