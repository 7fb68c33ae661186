import type { OrderInstance } from "../../../shared/bss/schemas.ts";

export const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

export function resource(fields: Partial<OrderInstance> & { resource_id: string }): OrderInstance {
  return {
    is_main_resource: 1,
    status: 2,
    expire_time: "2026-06-30T15:59:59Z",
    region_code: "cn-north-4",
    ...fields,
  } as OrderInstance;
}

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
