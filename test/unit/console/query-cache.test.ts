/** The console's table snapshot: served from memory, refreshed in the background, fresh after an action. */
import { describe, expect, it } from "vitest";
import { createQuery } from "../../../console/query.ts";
import type { ConsoleSources } from "../../../console/sources.ts";

function fakeSources(items: Record<string, unknown>[], calls: { scans: number }, gate?: { wait: Promise<void> }) {
  const doc = {
    async send(cmd: { constructor: { name: string } }) {
      if (cmd.constructor.name !== "ScanCommand") throw new Error(`unexpected ${cmd.constructor.name}`);
      calls.scans++;
      const snapshot = items.map((i) => ({ ...i }));
      if (gate) await gate.wait;
      return { Items: snapshot };
    },
  };
  return { mode: "local", stage: "t", region: "us-east-1", tables: { ledger: "L", realname: undefined }, buckets: {}, queues: [], doc, functions: [], bss: { mode: "unknown" }, close() {} } as unknown as ConsoleSources;
}

describe("console snapshot", () => {
  it("scans once, serves from memory until stale, then serves the old snapshot while a new one loads", async () => {
    let clock = 1_000_000;
    const calls = { scans: 0 };
    const items: Record<string, unknown>[] = [{ pk: "renewal-scan#2026-12-06#c1", status: "done" }];
    let release!: () => void;
    const gate = { wait: Promise.resolve() };
    const q = createQuery(fakeSources(items, calls, gate), { cacheSeconds: 10, now: () => clock });
    expect((await q.snapshot()).ledger).toHaveLength(1);
    expect((await q.snapshot()).ledger).toHaveLength(1);
    expect(calls.scans).toBe(1);
    items.push({ pk: "renewal-scan#2026-12-06#c2", status: "done" });
    gate.wait = new Promise<void>((r) => (release = r));
    clock += 11_000;
    // Stale: answered at once with the old snapshot; one background scan starts.
    expect((await q.snapshot()).ledger).toHaveLength(1);
    expect((await q.snapshot()).ledger).toHaveLength(1);
    expect(calls.scans).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect((await q.snapshot()).ledger).toHaveLength(2);
  });

  it("after invalidate() the next page waits for a fresh scan, and a scan begun before it cannot win", async () => {
    const calls = { scans: 0 };
    const items: Record<string, unknown>[] = [{ pk: "a", status: "done" }];
    let release!: () => void;
    const gate = { wait: new Promise<void>((r) => (release = r)) };
    const q = createQuery(fakeSources(items, calls, gate), { cacheSeconds: 10 });
    const first = q.snapshot(); // scan 1 sees [a] but is held
    q.invalidate();
    items.push({ pk: "b", status: "done" });
    gate.wait = Promise.resolve();
    const second = await q.snapshot(); // scan 2 sees [a, b]
    release();
    await first;
    expect(second.ledger.map((l) => l.pk)).toEqual(["a", "b"]);
    expect((await q.snapshot()).ledger.map((l) => l.pk)).toEqual(["a", "b"]);
  });
});
