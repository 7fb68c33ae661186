/** `partner-ops chaos`: the whole system under injected faults; exit code 1 when a target is missed. */
import { UsageError, type Command } from "../cli.ts";
import type { ChaosReport } from "../chaos/run.ts";
import { parseOptions } from "./args.ts";

const usage = `partner-ops chaos [--resources N] [--customers N] [--seed S] [--rate R] [--error-rate r] [--throttle-rate r]
                  [--timeout-rate r] [--bss-timeout-ms MS] [--realname N] [--json]

Runs serverless.yml on the embedded engine (in memory) against the BSS sandbox with injected faults
(default 10 % 5xx, 5 % 429, 3 % timeouts), queue visibility timeouts shorter than some processing
(redeliveries while a first delivery runs), a webhook receiver answering some requests late or 503,
and consumers stopped abruptly mid-batch. Prints reminders expected / delivered / duplicated / lost
per channel (target: equal, 0, 0), the real-name and invoice outcomes, and the faults injected.

  --resources N      resources scanned (default 10000 = customers × resources per customer)
  --customers N      customers (default 500)
  --seed S           sandbox seed (default 20250612)
  --rate R           BSS requests per second (default 200)
  --bss-timeout-ms   per-attempt BSS timeout of the functions (default 1000)
  --realname N       real-name applications (default 8)
  --json             print the report as JSON`;

function num(v: string | undefined, name: string, check: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name}: invalid value ${v}`);
  return n;
}

export function formatChaosReport(r: ChaosReport): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  lines.push(`chaos run: ${r.resources} resources, ${r.customers} customers, ${(r.elapsedMs / 1000).toFixed(1)} s`);
  lines.push("");
  lines.push("renewal reminders   expected  delivered  duplicated  lost  unexpected");
  for (const [name, t] of Object.entries(r.renewal)) {
    lines.push(`  ${name.padEnd(16)}${pad(t.expected, 10)}${pad(t.delivered, 11)}${pad(t.duplicated, 12)}${pad(t.lost, 6)}${pad(t.unexpected, 12)}`);
  }
  lines.push("");
  const f = r.faults.injected;
  lines.push(`BSS faults injected: ${f.error} × 5xx, ${f.throttle} × 429, ${f.timeout} × timeout (of ${r.faults.requests} requests; ${r.faults.limiterThrottled} more 429 from the rate limiter)`);
  const d = r.delivery;
  const perFn = (rec: Record<string, number>) => Object.entries(rec).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  lines.push(`redeliveries (receive count > 1): ${perFn(d.redeliveries)}; received again while a first delivery still ran: ${d.whileProcessing}`);
  lines.push(`consumers stopped abruptly mid-batch: ${perFn(d.abandoned)} message(s) abandoned`);
  lines.push(`webhook receiver: ${d.webhook.delayed} answer(s) delayed, ${d.webhook.failed} answered 503, ${d.webhook.rejected} bad signature(s)`);
  lines.push(`dead-letter queues: ${perFn(d.deadLettered)}`);
  lines.push("");
  lines.push("real-name applications");
  for (const a of r.realname) lines.push(`  ${a.kind.padEnd(11)} ${a.id}  expected ${a.expected.padEnd(8)}  final ${a.final.padEnd(10)}  BSS submissions ${a.submissions}  ${a.final === a.expected && a.submissions === 1 ? "ok" : "FAIL"}`);
  lines.push("");
  lines.push(`invoice e-mails (${r.invoice.messages} sent, ${r.invoice.sentTwice} fixture(s) twice)`);
  for (const n of r.invoice.notices) lines.push(`  ${n.fixture.padEnd(44)} expected ${n.expected.padEnd(18)} got ${n.outcome.padEnd(26)} ${n.ok ? "ok" : "FAIL"}`);
  lines.push("");
  if (r.ok) lines.push("result: every target met");
  else {
    lines.push(`result: ${r.problems.length} target(s) missed`);
    for (const p of r.problems) lines.push(`  - ${p}`);
  }
  return lines.join("\n") + "\n";
}

export const command: Command = {
  name: "chaos",
  summary: "run the whole system under injected faults and check nothing is lost or duplicated",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, {
      values: ["resources", "customers", "seed", "rate", "error-rate", "throttle-rate", "timeout-rate", "bss-timeout-ms", "realname"],
      flags: ["json"],
    });
    if (args.positional.length) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const int = (name: string, min: number) => num(args.values.get(name), name, (n) => Number.isInteger(n) && n >= min);
    const rate = (name: string) => num(args.values.get(name), name, (n) => n >= 0 && n <= 1);
    const resources = int("resources", 1) ?? 10_000;
    const customers = int("customers", 1) ?? Math.min(500, resources);
    const perCustomer = Math.max(1, Math.round(resources / customers));
    const faults = { errorRate: rate("error-rate") ?? 0.1, throttleRate: rate("throttle-rate") ?? 0.05, timeoutRate: rate("timeout-rate") ?? 0.03 };
    if (faults.errorRate + faults.throttleRate + faults.timeoutRate > 1) throw new UsageError("--error-rate + --throttle-rate + --timeout-rate must not exceed 1");
    const { runChaos } = await import("../chaos/run.ts");
    const seed = int("seed", 0);
    const rps = int("rate", 1);
    const bssTimeoutMs = int("bss-timeout-ms", 50);
    const realnameApplications = int("realname", 0);
    const report = await runChaos({
      customers,
      resourcesPerCustomer: perCustomer,
      faults,
      ...(seed !== undefined ? { seed } : {}),
      ...(rps !== undefined ? { ratePerSecond: rps } : {}),
      ...(bssTimeoutMs !== undefined ? { bssTimeoutMs } : {}),
      ...(realnameApplications !== undefined ? { realnameApplications } : {}),
      progress: (line) => io.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    });
    io.stdout.write(args.flags.has("json") ? `${JSON.stringify(report, null, 2)}\n` : formatChaosReport(report));
    return report.ok ? 0 : 1;
  },
};
