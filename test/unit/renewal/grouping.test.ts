import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { groupResources } from "../../../shared/renewal/grouping.ts";
import { resource } from "./helpers.ts";

describe("master/attached grouping", () => {
  it("puts EVS and EIP with their ECS, and bandwidth-main EIP groups with their bandwidth", () => {
    const groups = groupResources([
      resource({ resource_id: "evs-1", is_main_resource: 0, parent_resource_id: "ecs-1" }),
      resource({ resource_id: "ecs-1" }),
      resource({ resource_id: "eip-1", is_main_resource: 0, parent_resource_id: "ecs-1" }),
      resource({ resource_id: "bw-1" }),
      resource({ resource_id: "eip-2", is_main_resource: 0, parent_resource_id: "bw-1" }),
    ]);
    expect(groups.map((g) => [g.mainResourceId, g.master?.resource_id, g.attached.map((a) => a.resource_id), g.synthetic])).toEqual([
      ["bw-1", "bw-1", ["eip-2"], null],
      ["ecs-1", "ecs-1", ["eip-1", "evs-1"], null],
    ]);
  });

  it("groups orphans under a synthetic group keyed by the absent parent id", () => {
    const groups = groupResources([
      resource({ resource_id: "evs-1", is_main_resource: 0, parent_resource_id: "ecs-gone" }),
      resource({ resource_id: "evs-2", is_main_resource: 0, parent_resource_id: "ecs-gone" }),
      resource({ resource_id: "evs-3", is_main_resource: 0 }),
    ]);
    expect(groups.map((g) => [g.mainResourceId, g.master, g.attached.map((a) => a.resource_id), g.synthetic])).toEqual([
      ["ecs-gone", undefined, ["evs-1", "evs-2"], "master-absent"],
      ["evs-3", undefined, ["evs-3"], "no-parent"],
    ]);
  });

  it("follows chains to the root master and cuts loops consistently", () => {
    const chain = groupResources([
      resource({ resource_id: "snap", is_main_resource: 0, parent_resource_id: "disk" }),
      resource({ resource_id: "disk", is_main_resource: 0, parent_resource_id: "vm" }),
      resource({ resource_id: "vm" }),
    ]);
    expect(chain).toHaveLength(1);
    expect(chain[0]?.attached.map((a) => a.resource_id)).toEqual(["disk", "snap"]);
    const loop = groupResources([
      resource({ resource_id: "a", is_main_resource: 0, parent_resource_id: "b" }),
      resource({ resource_id: "b", is_main_resource: 0, parent_resource_id: "a" }),
      resource({ resource_id: "c", is_main_resource: 0, parent_resource_id: "b" }),
    ]);
    expect(loop.map((g) => [g.mainResourceId, g.attached.map((a) => a.resource_id)])).toEqual([["a", ["a", "b", "c"]]]);
  });

  it("keeps the freshest entry of a duplicated resource", () => {
    const groups = groupResources([
      resource({ resource_id: "vm", expire_time: "2026-01-01T00:00:00Z", update_time: "2025-01-01T00:00:00Z" }),
      resource({ resource_id: "vm", expire_time: "2027-01-01T00:00:00Z", update_time: "2025-06-01T00:00:00Z" }),
      resource({ resource_id: "vm", expire_time: "2025-01-01T00:00:00Z", update_time: "2024-06-01T00:00:00Z" }),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.master?.expire_time).toBe("2027-01-01T00:00:00Z");
  });

  it("invariants for any resource list: no attached resource alone, every attached in its master's group", () => {
    const ids = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "absent-1", "absent-2"];
    const arbResource = fc.record({
      resource_id: fc.constantFrom(...ids.slice(0, 8)),
      is_main_resource: fc.constantFrom(0 as const, 1 as const),
      parent_resource_id: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbResource, { maxLength: 14 }), (raw) => {
        const list = raw.map((r) => resource(r));
        const groups = groupResources(list);
        // What grouping sees after de-duplication (latest update_time, ties → later entry).
        const final = new Map<string, OrderInstance>();
        for (const r of list) final.set(r.resource_id, r);

        const keys = groups.map((g) => g.mainResourceId);
        expect(new Set(keys).size).toBe(keys.length);
        const placements = new Map<string, number>();
        for (const g of groups) {
          if (g.master) {
            expect(g.master.is_main_resource).toBe(1);
            expect(g.mainResourceId).toBe(g.master.resource_id);
            expect(g.synthetic).toBeNull();
            placements.set(g.master.resource_id, (placements.get(g.master.resource_id) ?? 0) + 1);
          } else {
            expect(g.synthetic).not.toBeNull();
            expect(g.attached.length).toBeGreaterThan(0);
          }
          for (const a of g.attached) {
            expect(a.is_main_resource).toBe(0);
            placements.set(a.resource_id, (placements.get(a.resource_id) ?? 0) + 1);
          }
        }
        // Every resource placed exactly once.
        expect([...placements.keys()].sort()).toEqual([...final.keys()].sort());
        for (const n of placements.values()) expect(n).toBe(1);
        // An attached resource whose parent is a master in the list sits in that master's group.
        for (const r of final.values()) {
          if (r.is_main_resource !== 0 || !r.parent_resource_id) continue;
          const parent = final.get(r.parent_resource_id);
          if (parent?.is_main_resource === 1) {
            const g = groups.find((x) => x.mainResourceId === parent.resource_id);
            expect(g?.attached.some((a) => a.resource_id === r.resource_id)).toBe(true);
          }
          // An attached resource and its attached parent always end up in the same group.
          if (parent?.is_main_resource === 0) {
            const gOf = (id: string) => groups.find((x) => x.attached.some((a) => a.resource_id === id))?.mainResourceId;
            expect(gOf(r.resource_id)).toBe(gOf(parent.resource_id));
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});
