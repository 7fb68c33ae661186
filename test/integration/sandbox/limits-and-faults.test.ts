/**
 * The rate limiter (429 CBC.0250 or the gateway's APIG.0308, per account and operation) and every injected fault kind,
 * over HTTP.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../../local/sandbox/index.ts";
import { createBssClient } from "../../../shared/bss/index.ts";
import { customerToken, expectError, expectOk, FIXED_NOW, op } from "./helpers.ts";

const open: Sandbox[] = [];
async function sandbox(o: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await startSandbox({ seed: 5, customers: 10, resourcesPerCustomer: 6, now: FIXED_NOW, ...o });
  open.push(sb);
  return sb;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("rate limit", () => {
  it("a burst over the quota within one second: the quota succeeds, the rest get 429 CBC.0250 or APIG.0308", async () => {
    const sb = await sandbox();
    const results = await Promise.all(Array.from({ length: 15 }, () => op(sb, "ListSubCustomers", {})));
    const ok = results.filter((r) => r.status === 200);
    const throttled = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(throttled).toHaveLength(5);
    for (const r of ok) expectOk("ListSubCustomers", r);
    for (const r of throttled) expectError(r, 429, (r.body as { error_code: string }).error_code === "APIG.0308" ? "APIG.0308" : "CBC.0250");
    expect(Object.values(sb.stats.throttleCodes).reduce((a, b) => a + b, 0)).toBe(5);
    expect(sb.stats.throttled).toBe(5);
    expect(sb.stats.throttledByOperation["ListSubCustomers"]).toBe(5);
    // Quotas are per operation and per account: another API and a customer's token are unaffected.
    expectOk("ListServiceTypes", await op(sb, "ListServiceTypes", {}));
    const c = sb.data.customers.find((x) => x.agency)!;
    const token = await customerToken(sb, c.info.account_name);
    expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", {}, { auth: { token } }));
  });

  it("rejects invalid rate overrides", async () => {
    await expect(startSandbox({ ratePerSecond: 0 })).rejects.toThrow(/positive integer/);
    await expect(startSandbox({ ratePerSecond: { ListSubCustomer: 5 } })).rejects.toThrow(/unknown operation/);
  });

  it("honours a per-operation override", async () => {
    const sb = await sandbox({ ratePerSecond: { ListSubCustomers: 3 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => op(sb, "ListSubCustomers", {})));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(3);
    const others = await Promise.all(Array.from({ length: 6 }, () => op(sb, "ListServiceTypes", {})));
    expect(others.every((r) => r.status === 200)).toBe(true);
  });
});

describe("faults", () => {
  it("errorRate → 500 CBC.0999, throttleRate → 429 CBC.0250 (counted as faults, not as limiter throttling)", async () => {
    const sb = await sandbox({ faults: { errorRate: 1 } });
    expectError(await op(sb, "ListSubCustomers", {}), 500, "CBC.0999");
    expect(sb.stats.faults.error).toBe(1);
    sb.control.setFaults({ throttleRate: 1 });
    const t = await op(sb, "ListSubCustomers", {});
    expectError(t, 429, (t.body as { error_code: string }).error_code === "APIG.0308" ? "APIG.0308" : "CBC.0250");
    expect(sb.stats.faults.throttle).toBe(1);
    expect(sb.stats.throttled).toBe(0);
    expect(sb.stats.injected.map((f) => [f.operation, f.kind])).toEqual([
      ["ListSubCustomers", "error"],
      ["ListSubCustomers", "throttle"],
    ]);
    sb.control.setFaults({});
    expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}));
  });

  it("throttling answers both BSS's CBC.0250 and the gateway's APIG.0308, and the client retries either (a write too)", async () => {
    const sb = await sandbox({ faults: { throttleRate: 0.5 }, ratePerSecond: 100_000 });
    const client = createBssClient({ endpoint: sb.url, iamEndpoint: sb.url, credentials: sb.credentials, agencyName: sb.xaccountType, maxAttempts: 10, retry: { baseMs: 1, capMs: 2 }, rate: 1000 });
    for (let i = 0; i < 12; i++) expect((await client.listSubCustomers({ limit: 1 })).count).toBe(10);
    const c = sb.data.customers.find((x) => x.agency && sb.data.resources(x.info.customer_id).some((r) => r.is_main_resource === 1 && r.status === 2))!;
    const main = sb.data.resources(c.info.customer_id).find((r) => r.is_main_resource === 1 && r.status === 2)!;
    const renewed = await client.renewResources({ id: c.info.customer_id }, { resource_ids: [main.resource_id], period_type: 2, period_num: 1 });
    expect(renewed.orderIds.length + renewed.failures.length).toBeGreaterThan(0);
    expect(sb.stats.effects.ordersCreated).toBe(renewed.orderIds.length); // a throttled write did nothing, so its retry created each order once
    expect(sb.stats.throttleCodes["CBC.0250"]).toBeGreaterThan(0);
    expect(sb.stats.throttleCodes["APIG.0308"]).toBeGreaterThan(0);
  });

  it("latencyMs delays the answer", async () => {
    const sb = await sandbox({ faults: { latencyMs: 120 } });
    const t0 = performance.now();
    expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100); // a lower bound only: timers never fire early
    expect(sb.stats.faults.latency).toBe(1);
  });

  it("timeoutRate → no answer until the client gives up; close() does not hang on held requests", async () => {
    const sb = await sandbox({ faults: { timeoutRate: 1 } });
    await expect(op(sb, "ListSubCustomers", {}, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(sb.stats.faults.timeout).toBe(1);
    // A second held request still pending when the sandbox closes.
    const pending = op(sb, "ListSubCustomers", {}).then(
      () => "answered",
      () => "closed",
    );
    await new Promise((r) => setTimeout(r, 50));
    await sb.close();
    expect(await pending).toBe("closed");
  });

  it("ambiguousRate: a write takes effect, then the answer is a 500 or a reset connection; reads are untouched", async () => {
    const sb = await sandbox({ seed: 9, resourcesPerCustomer: 30, ratePerSecond: 1000, faults: { ambiguousRate: 1 } });
    expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}));
    const c = sb.data.customers.find((x) => x.agency && sb.data.resources(x.info.customer_id).filter((r) => r.is_main_resource === 1 && r.kind !== "obsPackage").length >= 6)!;
    const token = await customerToken(sb, c.info.account_name);
    const mains = sb.data.resources(c.info.customer_id).filter((r) => r.is_main_resource === 1 && r.kind !== "obsPackage");
    const outcomes: string[] = [];
    for (const m of mains.slice(0, 6)) {
      const before = sb.data.orders.length;
      try {
        const r = await op(sb, "RenewalResources", { resource_ids: [m.resource_id], period_type: 2, period_num: 1 }, { auth: { token } });
        expectError(r, 500, "CBC.0999");
        outcomes.push("500");
      } catch {
        outcomes.push("reset");
      }
      expect(sb.data.orders.length).toBe(before + 1); // the effect was applied
      expect(sb.data.orders.at(-1)!.mainResourceId).toBe(m.resource_id);
    }
    expect(new Set(outcomes)).toEqual(new Set(["500", "reset"]));
    expect(sb.stats.faults.ambiguous).toBe(6);
    expect(sb.stats.effects.ordersCreated).toBe(6);
  });

  it("decisions are deterministic per seed and request number", async () => {
    const pattern = async (seed: number) => {
      const sb = await sandbox({ seed, ratePerSecond: 1000, faults: { errorRate: 0.3 } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await op(sb, "ListServiceTypes", {})).status);
      return statuses;
    };
    const a = await pattern(21);
    expect(await pattern(21)).toEqual(a);
    expect(await pattern(22)).not.toEqual(a);
    expect(a.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
  });
});
