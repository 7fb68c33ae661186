/** Issue 15.4: the terminal form of the engine's log. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatLogRecord, HumanLog } from "../../../local/engine/human-log.ts";

const line = (r: Record<string, unknown>) => JSON.stringify({ level: "INFO", timestamp: "2026-12-06T00:30:33.550Z", service: "partner-ops", sampling_rate: 0, ...r });

describe("human log", () => {
  it("turns a Powertools JSON line into time, level, function, message and at most three fields", () => {
    const log = new HumanLog({ color: false });
    const out = log.line(line({ message: "customer scanned", function: "renewal-scan", customerId: "7a2c", runDate: "2026-12-06", resources: 13, extra: "x", more: "y" }));
    expect(out).toBe("00:30:33.550 INFO  renewal-scan       customer scanned customerId=7a2c runDate=2026-12-06 resources=13");
    expect(out).not.toContain("sampling_rate");
  });

  it("leaves out the engine's per-invocation lines and passes other output unchanged", () => {
    const log = new HumanLog({ color: false });
    expect(log.line(line({ message: "invocation", service: "partner-ops-engine", function: "notify", durationMs: 3 }))).toBeUndefined();
    expect(log.line("plain text from a function")).toBe("plain text from a function");
    expect(log.line("{not json")).toBe("{not json");
  });

  it("shows a repeated warning once, with its hint", () => {
    const log = new HumanLog({ color: false });
    const warn = line({ level: "WARN", function: "renewal-scheduler", message: "contacts directory not found; every customer is treated as unlisted", key: "renewal/contacts.json" });
    const first = log.line(warn);
    expect(first).toContain("WARN  renewal-scheduler  contacts directory not found");
    expect(first).toContain("(shown once; put a directory at renewal/contacts.json");
    expect(log.line(warn)).toBeUndefined();
    expect(log.line(line({ level: "WARN", function: "notify", message: "something else" }))).toContain("(shown once)");
  });

  it("colours only when asked", () => {
    const r = { level: "ERROR", message: "boom", function: "notify", error: { name: "Error", message: "bad" } };
    expect(formatLogRecord(r, { color: true })).toMatch(/\u001b\[/);
    const plain = formatLogRecord(r, { color: false })!;
    expect(plain).not.toMatch(/\u001b\[/);
    expect(plain).toContain("error=bad");
  });

  it("property: any record gives exactly one line with at most three fields", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !["level", "message", "timestamp"].includes(k)), fc.oneof(fc.string(), fc.integer(), fc.object()), { maxKeys: 8 }), fc.string(), (extra, message) => {
        const out = formatLogRecord({ level: "INFO", message, ...extra }, { color: false });
        if (out === undefined) return;
        expect(out).not.toMatch(/[\r\n]/);
        const fieldCount = Object.keys(extra).filter((k) => out.includes(` ${k}=`)).length;
        expect(fieldCount).toBeLessThanOrEqual(3);
      }),
      { seed: 154, numRuns: 300 },
    );
  });
});
