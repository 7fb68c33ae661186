import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { type DueReminder, decideReminders } from "../../../shared/renewal/decision.ts";
import { parseRenewalDecisionConfig } from "../../../shared/renewal/config.ts";

/** A realistic reminder produced by the decision itself (ECS with a disk and an EIP, 3 days left). */
export function sampleReminder(overrides: { customerId?: string; now?: string; expire?: string; status?: 2 | 4 | 5; tz?: string; level?: string; name?: string; policy?: number } = {}): DueReminder {
  const expire = overrides.expire ?? "2026-06-30T15:59:59Z";
  const status = overrides.status ?? 2;
  const common = { status, expire_time: expire, region_code: "cn-north-4", ...(overrides.policy === undefined ? {} : { expire_policy: overrides.policy }) };
  const resources = [
    { resource_id: "ecs-1", resource_name: overrides.name ?? "web-01", is_main_resource: 1, resource_type_name: "云服务器", product_spec_desc: "s6.large.2 | 2vCPUs | 4GiB", ...common },
    { resource_id: "evs-1", resource_name: "data-disk", is_main_resource: 0, parent_resource_id: "ecs-1", resource_type_name: "云硬盘", ...common },
    { resource_id: "eip-1", is_main_resource: 0, parent_resource_id: "ecs-1", resource_type_name: "弹性公网IP", ...common },
  ] as OrderInstance[];
  const { due } = decideReminders({
    customer: { customer_id: overrides.customerId ?? "cust-1", customer_level: overrides.level ?? "V3" },
    resources,
    now: Date.parse(overrides.now ?? "2026-06-27T01:00:00Z"),
    timeZone: overrides.tz,
    config: parseRenewalDecisionConfig({}),
    alreadySent: new Set(),
  });
  const r = due[0];
  if (!r) throw new Error("fixture produced no reminder");
  return r;
}
