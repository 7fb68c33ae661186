/**
 * Issue 15.2: with `rateKickoffMs` (what `npm start` sets), a rate() schedule runs once right after
 * the engine is ready instead of a whole period later — so the first renewal scan comes seconds
 * after start. The fixture's schedule is rate(1 minute), unscaled here.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Engine } from "../../local/engine/engine.ts";
import { listKeys, startFixture, waitFor } from "./helpers/fixture.ts";

let engine: Engine | undefined;
afterAll(() => engine?.close());

describe("rate() kickoff", () => {
  it("fires a rate(1 minute) schedule once right after start, and reports it as the next run", async () => {
    engine = await startFixture({ rateScale: 1, rateKickoffMs: 200 });
    const next = engine.schedules().find((s) => s.expression.startsWith("rate("));
    expect(next?.next!.getTime()).toBeLessThan(Date.now() + 1000);
    const ticks = await waitFor("the first tick", async () => ((await listKeys(engine!, "ticks/")).length > 0 ? true : undefined), 10_000);
    expect(ticks).toBe(true);
  });
});
