/**
 * The per-customer inventory snapshot the scan stores once per run (pure): every yearly/monthly
 * resource the scan saw, reduced to what the ops console's expiry calendar needs, in one ledger-table
 * item `inventory#<customerId>` that DynamoDB's TTL removes after `ttlDays`.
 *
 * Size (measured by test/unit/console): ~2.9 KB for 20 resources with UUID ids (~140 bytes each, short
 * attribute names below) = 3 write request units per customer per scan. 10,000 customers ≈ 30,000
 * WRU per daily scan ≈ $0.019 (on-demand, us-east-1 list price $0.625 per million WRU) ≈ $0.57/month,
 * and ≈ 29 MB stored ≈ $0.01/month; TTL deletes are free. Reading them (the ops console) is a Scan
 * of the ledger table.
 */
import { z } from "zod";
import type { OrderInstance, ResourceRecord } from "../bss/schemas.ts";
import type { CustomerContext } from "./messages.ts";
import { unusableFields } from "./pipeline.ts";

export const INVENTORY_KEY_PREFIX = "inventory#";
export const inventoryKey = (customerId: string) => `${INVENTORY_KEY_PREFIX}${customerId}`;

/** One resource: i id, n name, t service type (without "hws.service.type."), e expire_time (UTC), s status, p expire_policy, m main (1/0), g parent, r region. */
export const inventoryResourceSchema = z.object({
  i: z.string().min(1).max(128),
  n: z.string().max(128).optional(),
  t: z.string().max(64).optional(),
  e: z.string().min(1).max(32),
  s: z.number().int(),
  p: z.number().int().optional(),
  m: z.union([z.literal(0), z.literal(1)]),
  g: z.string().max(128).optional(),
  r: z.string().max(64).optional(),
});
export type InventoryResource = z.infer<typeof inventoryResourceSchema>;

export const inventoryItemSchema = z.object({
  pk: z.string().startsWith(INVENTORY_KEY_PREFIX),
  customerId: z.string().min(1).max(64),
  accountName: z.string().max(64).optional(),
  /** Account manager from the contacts directory (partner staff), for the calendar's filter and .ics. */
  manager: z.object({ name: z.string().max(128), email: z.string().max(256) }).optional(),
  timeZone: z.string().max(64),
  runDate: z.string(),
  scannedAt: z.string(),
  resources: z.array(inventoryResourceSchema).max(5000),
  /** Records the scan skipped (ScanResult.skippedRecords): n of them, f = how many lacked each field (at most 20 fields). */
  skipped: z.object({ n: z.number().int().nonnegative(), f: z.record(z.string().max(64), z.number().int().nonnegative()) }).optional(),
  /** DynamoDB TTL, epoch seconds. */
  expiresAt: z.number().int(),
});
export type InventoryItem = z.infer<typeof inventoryItemSchema>;

const clip = (s: string | undefined, n: number) => (s === undefined ? undefined : s.slice(0, n));

export function inventorySnapshot(input: {
  customer: CustomerContext;
  resources: readonly OrderInstance[];
  runDate: string;
  now: number;
  defaultTimeZone: string;
  ttlDays?: number;
  /** The records the scan skipped (pipeline.ts SkippedRecord): only their count and the fields they lacked are kept. */
  skipped?: readonly { fields: readonly string[] }[];
}): InventoryItem {
  const c = input.customer;
  const am = c.entry?.account_manager;
  const item: InventoryItem = {
    pk: inventoryKey(c.customerId),
    customerId: c.customerId,
    timeZone: c.entry?.time_zone ?? input.defaultTimeZone,
    runDate: input.runDate,
    scannedAt: new Date(input.now).toISOString(),
    resources: input.resources.map((r) => {
      const out: InventoryResource = { i: r.resource_id, e: r.expire_time, s: r.status, m: r.is_main_resource };
      const n = clip(r.resource_name, 128);
      if (n) out.n = n;
      const t = clip(r.service_type_code?.replace(/^hws\.service\.type\./, ""), 64);
      if (t) out.t = t;
      if (r.expire_policy !== undefined) out.p = r.expire_policy;
      if (r.parent_resource_id) out.g = clip(r.parent_resource_id, 128)!;
      if (r.region_code) out.r = clip(r.region_code, 64)!;
      return out;
    }),
    expiresAt: Math.floor(input.now / 1000) + (input.ttlDays ?? 3) * 86_400,
  };
  if (c.accountName) item.accountName = c.accountName;
  if (am) item.manager = { name: am.name, email: am.email };
  if (input.skipped && input.skipped.length > 0) {
    const f: Record<string, number> = {};
    for (const r of input.skipped) {
      for (const field of r.fields) {
        const k = field.slice(0, 64);
        if (k in f || Object.keys(f).length < 20) f[k] = (f[k] ?? 0) + 1;
      }
    }
    item.skipped = { n: input.skipped.length, f };
  }
  return item;
}

/**
 * Passes every record of `source` through unchanged and keeps in `into` the ones the snapshot can
 * list (those the scan does not skip: nothing the decision needs is missing).
 */
export async function* collectingUsable(source: AsyncIterable<ResourceRecord>, into: OrderInstance[]): AsyncIterable<ResourceRecord> {
  for await (const r of source) {
    if (unusableFields(r).length === 0) into.push(r as OrderInstance);
    yield r;
  }
}
