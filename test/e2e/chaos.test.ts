/**
 * A small chaos run (local/chaos/run.ts, the code behind `npm run chaos`): the engine + sandbox with
 * 10 % 5xx, 5 % 429, 3 % held requests, short visibility timeouts, a late/failing webhook receiver and
 * consumers stopped abruptly mid-batch. Every reminder is delivered once per channel, real-name and
 * invoice flows end in the right states — and the faults really happened (otherwise this proves nothing).
 */
import { describe, expect, it } from "vitest";
import { formatChaosReport } from "../../local/commands/chaos.ts";
import { runChaos, type ChaosReport } from "../../local/chaos/run.ts";
import { runCli } from "./helpers/fixture.ts";

describe("chaos run (small)", () => {
  let report: ChaosReport;

  it("delivers every expected reminder exactly once on each channel under faults, redeliveries and abrupt stops", async () => {
    report = await runChaos({
      customers: 120,
      resourcesPerCustomer: 4,
      realnameApplications: 4,
      webhookDelayEvery: 5,
      webhookFailEvery: 7,
      settleTimeoutMs: 40_000,
    });
    const { email, webhook } = report.renewal;
    expect(email.expected).toBeGreaterThan(40);
    expect(webhook.expected).toBeGreaterThan(30);
    for (const t of [email, webhook]) {
      expect(t.delivered).toBe(t.expected);
      expect(t.duplicated).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.unexpected).toBe(0);
    }
    expect(report.delivery.deadLettered).toEqual({});
  }, 55_000);

  it("the faults really happened: 5xx, 429, timeouts, redeliveries (also during processing), abrupt stops, late and failed webhooks", () => {
    const f = report.faults.injected;
    expect(f.error).toBeGreaterThan(0);
    expect(f.throttle).toBeGreaterThan(0);
    expect(f.timeout).toBeGreaterThan(0);
    expect(report.delivery.redeliveries["notify"] ?? 0).toBeGreaterThan(0);
    expect(report.delivery.whileProcessing).toBeGreaterThan(0);
    expect(report.delivery.abandoned["notify"] ?? 0).toBeGreaterThan(0);
    expect(report.delivery.abandoned["renewal-scan"] ?? 0).toBeGreaterThan(0);
    expect(report.delivery.webhook.delayed).toBeGreaterThan(0);
    expect(report.delivery.webhook.failed).toBeGreaterThan(0);
  });

  it("real-name applications end approved/rejected as reviewed, each submitted to BSS once; invoice notices stored once, phishing rejected", () => {
    expect(report.realname.map((a) => a.kind).sort()).toEqual(["enterprise", "enterprise", "individual", "individual"]);
    expect(report.realname.some((a) => a.expected === "rejected")).toBe(true);
    for (const a of report.realname) {
      expect(a.final).toBe(a.expected);
      expect(a.submissions).toBe(1);
    }
    expect(report.invoice.sentTwice).toBeGreaterThan(0);
    const byFixture = new Map(report.invoice.notices.map((n) => [n.fixture, n]));
    expect(byFixture.get("08-phishing-lookalike")).toMatchObject({ kind: "rejected", events: 1, ok: true });
    expect(byFixture.get("07-not-invoice-marketing")).toMatchObject({ events: 0, ok: true });
    for (const n of report.invoice.notices) expect(n.ok, `${n.fixture}: ${n.outcome}`).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const text = formatChaosReport(report);
    expect(text).toMatch(/email\s+\d+\s+\d+\s+0\s+0/);
    expect(text).toMatch(/result: every target met/);
  });

  it("CLI: --help, and bad options are usage errors (exit 2)", async () => {
    const help = await runCli(["chaos", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--resources N/);
    const bad = await runCli(["chaos", "--error-rate", "0.9", "--throttle-rate", "0.9"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must not exceed 1/);
    expect((await runCli(["chaos", "--resources", "-3"])).code).toBe(2);
  });
});
