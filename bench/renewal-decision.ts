/**
 * Renewal decision throughput, pure part only (no BSS, no ledger): 10,000 customers × 20 resources
 * (8 masters with 12 attached disks/EIPs, expiries spread ±60 days, zones Shanghai / New York / UTC-12 /
 * UTC+14), each customer decided with an already-sent set holding some earlier windows.
 *
 * Baselines: JSON.parse of each customer's ListPayPerUseCustomerResources response body and zod
 * validation of its resources, measured in the same run on the same data (work the scan function does
 * anyway for the same customer), and the default BSS budget (10 req/s ⇒ at most 10 customers/s), which
 * is the real ceiling of the pipeline: the target is ≥ 100× headroom over it.
 */
import { orderInstance } from "../shared/bss/schemas.ts";
import type { OrderInstance } from "../shared/bss/schemas.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG, decideReminders, ledgerKeyString } from "../shared/renewal/index.ts";
import { type BenchResult, formatTable, isMain, median } from "./lib.ts";
import { mulberry32 as rng } from "../local/sandbox/rng.ts";

const DAY = 86_400_000;
const BSS_CUSTOMERS_PER_SECOND = 10;
const NOW = Date.parse("2026-06-27T01:00:00Z");
const ZONES = ["Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "America/New_York", "Etc/GMT+12", "Pacific/Kiritimati"];

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Customer {
  id: string;
  level: string;
  tz: string;
  resources: OrderInstance[];
  body: string;
  sent: Set<string>;
}

function makeCustomers(n: number, perCustomer: number): Customer[] {
  const rand = rng(4);
  const out: Customer[] = [];
  for (let c = 0; c < n; c++) {
    const id = `cust-${c.toString(16).padStart(8, "0")}`;
    const resources: OrderInstance[] = [];
    const masters = Math.round(perCustomer * 0.4);
    for (let m = 0; m < masters; m++) {
      const expire = NOW + Math.floor((rand() * 120 - 60) * DAY);
      const status = expire > NOW ? 2 : rand() < 0.5 ? 5 : 4;
      const policy = rand() < 0.15 ? 3 : 0;
      const mid = `${id}-ecs-${m}`;
      resources.push({ resource_id: mid, resource_name: `web-${m}`, is_main_resource: 1, status, expire_time: iso(expire), expire_policy: policy, region_code: "cn-north-4", resource_type_name: "云服务器" } as OrderInstance);
    }
    for (let a = 0; resources.length < perCustomer; a++) {
      const parent = resources[a % masters] as OrderInstance;
      resources.push({ ...parent, resource_id: `${parent.resource_id}-att-${a}`, resource_name: `disk-${a}`, is_main_resource: 0, parent_resource_id: parent.resource_id, resource_type_name: "云硬盘" });
    }
    const sent = new Set<string>();
    for (const r of resources) {
      if (r.is_main_resource === 1 && rand() < 0.3) sent.add(ledgerKeyString({ customerId: id, mainResourceId: r.resource_id, expireTime: r.expire_time, window: "30d" }));
    }
    out.push({ id, level: `V${Math.floor(rand() * 6)}`, tz: ZONES[c % ZONES.length] as string, resources, body: JSON.stringify({ total_count: resources.length, data: resources }), sent });
  }
  return out;
}

function decideAll(customers: readonly Customer[]): number {
  let due = 0;
  for (const c of customers) {
    due += decideReminders({
      customer: { customer_id: c.id, customer_level: c.level },
      resources: c.resources,
      now: NOW,
      timeZone: c.tz,
      config: DEFAULT_RENEWAL_DECISION_CONFIG,
      alreadySent: c.sent,
    }).due.length;
  }
  return due;
}

function parseAll(customers: readonly Customer[]): number {
  let n = 0;
  for (const c of customers) n += (JSON.parse(c.body) as { data: unknown[] }).data.length;
  return n;
}

function zodAll(customers: readonly Customer[]): number {
  let n = 0;
  for (const c of customers) for (const r of c.resources) if (orderInstance.safeParse(r).success) n++;
  return n;
}

const timed = (fn: () => number): { ms: number; out: number } => {
  const t = performance.now();
  const out = fn();
  return { ms: performance.now() - t, out };
};

export async function run(options: { customers?: number; resourcesPerCustomer?: number; rounds?: number } = {}): Promise<BenchResult> {
  const n = options.customers ?? 10_000;
  const per = options.resourcesPerCustomer ?? 20;
  const rounds = options.rounds ?? 3;
  const customers = makeCustomers(n, per);
  decideAll(customers.slice(0, 200)); // warm up (JIT, Intl formatters)
  parseAll(customers.slice(0, 200));

  const decideMs: number[] = [];
  const parseMs: number[] = [];
  const zodMs: number[] = [];
  let due = 0;
  for (let i = 0; i < rounds; i++) {
    const d = timed(() => decideAll(customers));
    decideMs.push(d.ms);
    due = d.out;
    parseMs.push(timed(() => parseAll(customers)).ms);
    zodMs.push(timed(() => zodAll(customers)).ms);
  }
  const decisionsPerSec = (n * 1000) / median(decideMs);
  const parsePerSec = (n * 1000) / median(parseMs);
  const zodPerSec = (n * 1000) / median(zodMs);
  return {
    name: "renewal-decision",
    rows: [
      {
        metric: `decisions/s (${n.toLocaleString("en-US")} customers × ${per} resources)`,
        value: Math.round(decisionsPerSec),
        unit: "customers/s",
        baseline: { name: "JSON.parse of the same resource pages", value: Math.round(parsePerSec) },
        ratio: decisionsPerSec / parsePerSec,
      },
      {
        // Each customer needs at least one ListPayPerUseCustomerResources call; at the default BSS
        // budget of 10 req/s per API the scan can never see more than 10 customers per second.
        metric: "headroom over the BSS budget (10 req/s ⇒ ≤ 10 customers/s)",
        value: Math.round(decisionsPerSec),
        unit: "customers/s",
        baseline: { name: "customers/s the default BSS rate allows", value: BSS_CUSTOMERS_PER_SECOND },
        ratio: decisionsPerSec / BSS_CUSTOMERS_PER_SECOND,
        target: ">= 100x",
        pass: decisionsPerSec / BSS_CUSTOMERS_PER_SECOND >= 100,
      },
      {
        metric: "decisions/s vs zod validation of the same resources",
        value: Math.round(decisionsPerSec),
        unit: "customers/s",
        baseline: { name: "orderInstance.safeParse per resource", value: Math.round(zodPerSec) },
        ratio: decisionsPerSec / zodPerSec,
      },
      { metric: "resources decided per second", value: Math.round(decisionsPerSec * per), unit: "resources/s" },
      { metric: "full pass wall time (median)", value: Math.round(median(decideMs)), unit: "ms" },
      { metric: "reminders due in the pass", value: due },
    ],
    notes: [`rounds: ${rounds}; heap used after run: ${Math.round(process.memoryUsage().heapUsed / 1_048_576)} MB`],
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(formatTable([result]));
  for (const note of result.notes ?? []) console.log(`note: ${note}`);
}
