/**
 * Seeded data generator: the partner's sub-customers and each customer's yearly/monthly
 * resources. Pure: the same (seed, sizes, now) always gives the same data.
 *
 * Customers are generated eagerly (one small record each). Resources are generated per customer
 * on demand from (seed, customer index, now), so 10,000 customers × 20 resources cost no memory
 * until a customer's resources change (see state.ts).
 */
import { Rng } from "./rng.ts";
import { kinds, regions, type KindName, type ProductKind } from "./catalog.ts";
import { addMonthsChina, chinaDay, chinaDayEnd, DAY_MS, formatUtc } from "./time.ts";

/** Customer fields exactly as ListSubCustomers returns them. */
export interface CustomerInfo {
  customer_id: string;
  account_name: string;
  customer?: string;
  associated_on: string;
  /** "1" advisory; "2" reseller (China site) or "3" resale (international site). */
  association_type: "1" | "2" | "3";
  label?: string;
  telephone?: string;
  country_code?: string;
  email?: string;
  /** "3" (verification failed) exists on the international site only. */
  verified_status: "-1" | "0" | "1" | "2" | "3";
  customer_type: -1 | 0 | 1;
  is_frozen: 0 | 1 | 2;
  account_managers?: { account_name: string }[];
  xaccount_id?: string;
  xaccount_type?: string;
  customer_level: string;
}

export interface Customer {
  index: number;
  info: CustomerInfo;
  /**
   * Whether the assume_role agency (named after the partner's xaccount_type) exists in this
   * customer's account. The reference leaves open whether every customer has one; the sandbox
   * gives it only to customers created through the partner platform (those with xaccount_type).
   */
  agency: boolean;
  /** One IAM project per region the customer uses: name = region code. */
  projects: { id: string; name: string }[];
}

/** One yearly/monthly resource: the OrderInstanceV2 fields plus the sandbox's product keys. */
export interface Resource {
  id: string;
  resource_id: string;
  resource_name: string;
  region_code: string;
  service_type_code: string;
  resource_type_code: string;
  resource_spec_code: string;
  project_id: string;
  product_id: string;
  parent_resource_id?: string;
  is_main_resource: 0 | 1;
  status: 2 | 3 | 4 | 5;
  effective_time: string;
  expire_time: string;
  expire_policy: 0 | 1 | 2 | 3 | 4 | 5;
  spec_size?: number;
  spec_size_measure_id?: number;
  update_time: string;
  enterprise_project: { id: string; name: string };
  /** Sandbox-only (never serialised): product kind, for names, prices and renewable periods. */
  kind: KindName;
}

export interface GeneratorOptions {
  seed: number | string;
  customers: number;
  resourcesPerCustomer: number;
  now: number;
  xaccountType: string;
  /** Which site's data: "intl" uses association type "3", may show verified status "3", and phones outside China. */
  site?: "cn" | "intl";
}

/** The reseller association type of a site: "2" (代售) in China, "3" (转售) on the international site. */
export const resellerType = (site: "cn" | "intl" | undefined): "2" | "3" => (site === "intl" ? "3" : "2");

/** Grace and retention days of yearly/monthly resources by customer level (China site). */
export const graceRetentionDays: Record<string, { grace: number; retention: number }> = {
  V0: { grace: 1, retention: 1 },
  V1: { grace: 1, retention: 1 },
  V2: { grace: 1, retention: 7 },
  V3: { grace: 7, retention: 7 },
  V4: { grace: 7, retention: 7 },
  V5: { grace: 7, retention: 15 },
};

/** Days-before-expiry windows that reminders care about; the generator clusters expiries on them. */
export const REMINDER_WINDOWS = [30, 15, 7, 3, 1] as const;

const WORDS = [
  "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "jade", "kite", "lotus",
  "maple", "nova", "onyx", "pine", "quartz", "river", "sable", "tide", "umber", "vale", "willow", "yarrow", "zephyr",
];
const SURNAMES = ["wang", "li", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu"];
const GIVEN = ["wei", "fang", "na", "min", "jing", "lei", "qiang", "yan", "jun", "tao", "ping", "hui"];
const SURNAMES_ZH = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN_ZH = ["伟", "芳", "娜", "敏", "静", "磊", "强", "艳", "军", "涛", "平", "慧"];
const CITIES_ZH = ["北京", "上海", "深圳", "杭州", "成都", "南京", "武汉", "西安"];
const TRADE_ZH = ["云帆", "星河", "启明", "青松", "海纳", "远航", "博识", "恒信"];
const SUFFIX_ZH = ["科技有限公司", "信息技术有限公司", "网络科技有限公司", "数据服务有限公司"];
const LABELS = ["VIP", "key-account", "trial", "edu", "gov"];

/** Account managers (partner operators) shared by the customers: a handful per partner. */
export function generateManagers(seed: number | string): string[] {
  const rng = new Rng(seed, "managers");
  const names = new Set<string>();
  while (names.size < 5) names.add(`${rng.pick(SURNAMES)}.${rng.pick(GIVEN)}`);
  return [...names];
}

/** The partner's own account id (domain id). */
export function partnerDomainId(seed: number | string): string {
  return new Rng(seed, "partner").hex(32);
}

const AK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Sandbox-only AK/SK derived from the seed (20-character AK, 40-character SK, like Huawei's). */
export function defaultCredentials(seed: number | string): { ak: string; sk: string } {
  const rng = new Rng(seed, "credentials");
  let ak = "";
  for (let i = 0; i < 20; i++) ak += AK_ALPHABET[rng.int(0, AK_ALPHABET.length - 1)];
  let sk = "";
  for (let i = 0; i < 40; i++) sk += SK_ALPHABET[rng.int(0, SK_ALPHABET.length - 1)];
  return { ak, sk };
}

export function generateCustomer(opts: GeneratorOptions, index: number, managers: readonly string[]): Customer {
  const rng = new Rng(opts.seed, `customer:${index}`);
  const customerId = rng.hex(32);
  const accountName = `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${index + 1}`;
  const associationType = rng.chance(0.7) ? resellerType(opts.site) : "1";
  const level = rng.weighted([["V0", 30], ["V1", 25], ["V2", 20], ["V3", 12], ["V4", 8], ["V5", 5]] as const);
  const drawn = rng.weighted([["2", 70], ["-1", 20], ["1", 10]] as const);
  // International site: some rejected verifications show as "3" (verification failed).
  const verified: CustomerInfo["verified_status"] = opts.site === "intl" && drawn === "1" && rng.chance(0.5) ? "3" : drawn;
  const enterprise = rng.chance(0.6);
  // Reseller customers are created through the partner platform (xaccount set, agency present);
  // about half of the advisory customers were associated that way too.
  const viaPlatform = associationType !== "1" || rng.chance(0.5);
  const info: CustomerInfo = {
    customer_id: customerId,
    account_name: accountName,
    associated_on: formatUtc(opts.now - rng.int(10, 3 * 365) * DAY_MS - rng.int(0, DAY_MS / 1000 - 1) * 1000),
    association_type: associationType,
    verified_status: verified,
    customer_type: verified === "2" ? (enterprise ? 1 : 0) : -1,
    is_frozen: rng.chance(0.03) ? 1 : 0,
    customer_level: level,
    telephone: `1${rng.pick(["38", "39", "58", "86", "77"])}${rng.digits(8)}`,
    country_code: "0086",
    email: `${accountName}@example.com`,
  };
  if (verified === "2") {
    info.customer = enterprise
      ? `${rng.pick(CITIES_ZH)}${rng.pick(TRADE_ZH)}${rng.pick(SUFFIX_ZH)}`
      : `${rng.pick(SURNAMES_ZH)}${rng.pick(GIVEN_ZH)}${rng.pick(GIVEN_ZH)}`;
  }
  if (rng.chance(0.3)) info.label = rng.pick(LABELS);
  if (rng.chance(0.95)) info.account_managers = [{ account_name: rng.pick(managers) }];
  if (viaPlatform) {
    info.xaccount_id = `xa-${rng.hex(12)}`;
    info.xaccount_type = opts.xaccountType;
  }
  const projectRegions = regions.filter(() => rng.chance(0.6));
  if (projectRegions.length === 0) projectRegions.push(regions[0]!);
  return {
    index,
    info,
    agency: viaPlatform,
    projects: projectRegions.map((name) => ({ id: rng.hex(32), name })),
  };
}

export function generateCustomers(opts: GeneratorOptions): { customers: Customer[]; managers: string[] } {
  const managers = generateManagers(opts.seed);
  const customers: Customer[] = [];
  for (let i = 0; i < opts.customers; i++) customers.push(generateCustomer(opts, i, managers));
  return { customers, managers };
}

/** Stable product id per spec (independent of the seed, like a real catalogue). */
const productIds = new Map<string, string>();
function productId(spec: string): string {
  let id = productIds.get(spec);
  if (!id) {
    id = `OFFI${new Rng(0, `product:${spec}`).digits(18)}`;
    productIds.set(spec, id);
  }
  return id;
}

interface GroupCommon {
  region: string;
  projectId: string;
  expire: number;
  effective: number;
  status: 2 | 4 | 5;
  policy: 0 | 1 | 2 | 3 | 4 | 5;
}

/** Expiry offset in China days relative to `now`: clustered on the reminder windows, some expired. */
function pickExpiryOffset(rng: Rng, level: string): number {
  const r = rng.float();
  if (r < 0.35) return rng.pick(REMINDER_WINDOWS);
  if (r < 0.42) return 0;
  if (r < 0.56) {
    const gr = graceRetentionDays[level] ?? { grace: 1, retention: 1 };
    return -rng.int(1, Math.min(20, gr.grace + gr.retention));
  }
  return rng.int(2, 60);
}

function groupCommon(rng: Rng, customer: Customer, now: number): GroupCommon {
  const project = rng.pick(customer.projects);
  const level = customer.info.customer_level;
  const offset = pickExpiryOffset(rng, level);
  const expire = chinaDayEnd(chinaDay(now) + offset);
  const months = rng.weighted([[1, 35], [3, 15], [6, 10], [12, 40]] as const);
  const effective = addMonthsChina(expire, -months) + 1000;
  const grace = (graceRetentionDays[level] ?? { grace: 1 }).grace;
  let status: 2 | 4 | 5 = 2;
  if (expire <= now) status = now - expire <= grace * DAY_MS ? 5 : 4;
  const policy = rng.weighted([[0, 55], [3, 20], [1, 10], [2, 8], [4, 5], [5, 2]] as const);
  return { region: project.name, projectId: project.id, expire, effective, status, policy };
}

function makeResource(rng: Rng, kind: ProductKind, common: GroupCommon, parent: Resource | undefined, name?: string): Resource {
  const spec = rng.pick(kind.specs);
  const resourceId = rng.uuid();
  const r: Resource = {
    id: rng.hex(32),
    resource_id: resourceId,
    resource_name: name ?? `${kind.namePrefix}-${rng.hex(4)}`,
    region_code: common.region,
    service_type_code: "",
    resource_type_code: kind.resourceType,
    resource_spec_code: spec.code,
    project_id: common.projectId,
    product_id: productId(spec.code),
    is_main_resource: parent ? 0 : 1,
    status: common.status,
    effective_time: formatUtc(common.effective),
    expire_time: formatUtc(common.expire),
    expire_policy: common.policy,
    update_time: formatUtc(common.effective + rng.int(0, 3600) * 1000),
    enterprise_project: { id: "0", name: "default" },
    kind: kind.kind,
  };
  if (parent) r.parent_resource_id = parent.resource_id;
  if (kind.size) {
    const steps = Math.floor((kind.size.max - kind.size.min) / kind.size.step);
    r.spec_size = kind.size.min + rng.int(0, steps) * kind.size.step;
    r.spec_size_measure_id = kind.size.measureId;
  }
  return r;
}

const SERVICE_OF: Record<KindName, string> = {
  vm: "hws.service.type.ec2",
  volume: "hws.service.type.ebs",
  ip: "hws.service.type.vpc",
  bandwidth: "hws.service.type.vpc",
  sharedBandwidth: "hws.service.type.vpc",
  rds: "hws.service.type.rds",
  obsPackage: "hws.service.type.obs",
  dcs: "hws.service.type.dcs",
  cbr: "hws.service.type.cbr",
};

type GroupKind = "ecs" | "sharedBandwidth" | "dedicatedEip" | "standalone";

/**
 * A customer's resources: main resources each followed by their attached ones.
 * - ECS (vm) main with 1-2 EVS volumes, sometimes an EIP and its bandwidth attached;
 * - shared bandwidth main with 1-3 EIPs attached;
 * - EIP main with its dedicated bandwidth attached;
 * - standalone mains (RDS, OBS package, DCS, CBR vault).
 * Attached resources share their main's region, expiry, status and expire policy.
 */
export function generateResources(opts: GeneratorOptions, customer: Customer): Resource[] {
  const rng = new Rng(opts.seed, `resources:${customer.index}`);
  const target = opts.resourcesPerCustomer;
  const out: Resource[] = [];
  if (target <= 0 || rng.chance(0.05)) return out; // some customers have no yearly/monthly resources
  const n = Math.max(1, rng.int(Math.ceil(target * 0.5), Math.floor(target * 1.5)));
  while (out.length < n) {
    const group = rng.weighted<GroupKind>([["ecs", 45], ["sharedBandwidth", 10], ["dedicatedEip", 10], ["standalone", 35]]);
    const common = groupCommon(rng, customer, opts.now);
    if (group === "ecs") {
      const vm = makeResource(rng, kinds.vm, common, undefined);
      out.push(vm);
      const volumes = rng.int(1, 2);
      for (let v = 0; v < volumes; v++) out.push(makeResource(rng, kinds.volume, common, vm, `${vm.resource_name}-volume-${String(v).padStart(4, "0")}`));
      if (rng.chance(0.3)) {
        out.push(makeResource(rng, kinds.ip, common, vm));
        out.push(makeResource(rng, kinds.bandwidth, common, vm));
      }
    } else if (group === "sharedBandwidth") {
      const bw = makeResource(rng, kinds.sharedBandwidth, common, undefined);
      out.push(bw);
      const eips = rng.int(1, 3);
      for (let e = 0; e < eips; e++) out.push(makeResource(rng, kinds.ip, common, bw));
    } else if (group === "dedicatedEip") {
      const eip = makeResource(rng, kinds.ip, common, undefined);
      out.push(eip);
      out.push(makeResource(rng, kinds.bandwidth, common, eip));
    } else {
      const kind = rng.weighted<KindName>([["rds", 40], ["obsPackage", 20], ["dcs", 25], ["cbr", 15]]);
      out.push(makeResource(rng, kinds[kind], common, undefined));
    }
  }
  for (const r of out) r.service_type_code = SERVICE_OF[r.kind];
  return out;
}
