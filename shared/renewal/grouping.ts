/**
 * Master/attached grouping of a customer's yearly/monthly resources (ListPayPerUseCustomerResources).
 *
 * Rules (reference/bss-api.md §5.1: trust only `is_main_resource` + `parent_resource_id`, there is no
 * `main_resource_id` in the response):
 * - A resource with `is_main_resource = 1` is a master; its group is keyed by its own `resource_id`.
 * - An attached resource (`is_main_resource = 0`) joins the group of its ROOT master: we follow
 *   `parent_resource_id` upwards (a chain such as disk → server is followed; loops are cut) until we reach
 *   a master present in the list.
 * - Orphans — decision, documented here and in the report:
 *   * the chain ends at an id that is not in the list (master filtered out, on another page that moved,
 *     or not returned): the resource goes to a SYNTHETIC group keyed by that last `parent_resource_id`
 *     (`synthetic: "master-absent"`). Several orphans with the same absent master share one group, and
 *     the ledger key still names the real master id, so the key is stable once the master reappears.
 *   * no `parent_resource_id` at all: a synthetic group keyed by the resource's own id
 *     (`synthetic: "no-parent"`), so that an expiry is never silently dropped.
 *   In both cases the attached resources are listed as attached; no attached resource is ever presented
 *   as a master.
 * - Duplicates (the same `resource_id` twice, e.g. paging drift): the entry with the latest
 *   `update_time` wins, ties go to the later entry.
 */
import type { OrderInstance } from "../bss/schemas.ts";

export type SyntheticReason = "master-absent" | "no-parent";

export interface ResourceGroup {
  /** Ledger identity of the group: the master's resource_id (or the synthetic key). */
  mainResourceId: string;
  /** The master resource, or undefined for a synthetic group. */
  master: OrderInstance | undefined;
  attached: OrderInstance[];
  synthetic: SyntheticReason | null;
}

/** resource_id → resource, duplicates resolved (see the module comment). */
function dedupe(resources: readonly OrderInstance[]): Map<string, OrderInstance> {
  const byId = new Map<string, OrderInstance>();
  for (const r of resources) {
    const prev = byId.get(r.resource_id);
    if (!prev || (r.update_time ?? "") >= (prev.update_time ?? "")) byId.set(r.resource_id, r);
  }
  return byId;
}

/** Groups resources by master. Output order: by mainResourceId; attached by resource_id. */
export function groupResources(resources: readonly OrderInstance[]): ResourceGroup[] {
  const byId = dedupe(resources);
  const list = [...byId.values()];

  const groups = new Map<string, ResourceGroup>();
  const groupFor = (id: string, master: OrderInstance | undefined, synthetic: SyntheticReason | null): ResourceGroup => {
    let g = groups.get(id);
    if (!g) {
      g = { mainResourceId: id, master, attached: [], synthetic };
      groups.set(id, g);
    }
    return g;
  };

  for (const r of list) if (r.is_main_resource === 1) groupFor(r.resource_id, r, null);

  for (const r of list) {
    if (r.is_main_resource === 1) continue;
    // Walk up the parent chain to the root master, remembering the path to detect loops.
    const path: string[] = [r.resource_id];
    let cur = r;
    let rootKey: string;
    let reason: SyntheticReason | null = null;
    for (;;) {
      const parentId = cur.parent_resource_id;
      if (!parentId || parentId === cur.resource_id) {
        rootKey = cur.resource_id;
        reason = "no-parent";
        break;
      }
      const loopAt = path.indexOf(parentId);
      if (loopAt !== -1) {
        // A loop of attached resources: key it by its smallest id so every member agrees.
        rootKey = path.slice(loopAt).reduce((a, b) => (b < a ? b : a));
        reason = "master-absent";
        break;
      }
      const parent = byId.get(parentId);
      if (!parent) {
        rootKey = parentId;
        reason = "master-absent";
        break;
      }
      if (parent.is_main_resource === 1) {
        rootKey = parentId;
        break;
      }
      path.push(parentId);
      cur = parent;
    }
    groupFor(rootKey, undefined, reason).attached.push(r);
  }

  const out = [...groups.values()];
  for (const g of out) g.attached.sort((a, b) => (a.resource_id < b.resource_id ? -1 : a.resource_id > b.resource_id ? 1 : 0));
  out.sort((a, b) => (a.mainResourceId < b.mainResourceId ? -1 : a.mainResourceId > b.mainResourceId ? 1 : 0));
  return out;
}
