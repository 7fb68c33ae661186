/**
 * The sandbox's mutable state: customers, resources (generated lazily, materialised once they
 * change), orders, real-name applications and review scripts. No I/O.
 */
import { Rng } from "./rng.ts";
import {
  defaultCredentials,
  generateCustomers,
  generateResources,
  partnerDomainId,
  type Customer,
  type GeneratorOptions,
  type Resource,
} from "./generate.ts";
import { formatUtc } from "./time.ts";

export interface Order {
  order_id: string;
  customer_id: string;
  service_type_code: string;
  /** 1 = placed by the customer. */
  source_type: number;
  /** 6 pending payment → 5 completed, or 4 cancelled. */
  status: number;
  /** 2 = renewal. */
  order_type: number;
  official_amount: number;
  amount_after_discount: number;
  discount_amount: number;
  measure_id: 1;
  /** CNY on the China site, USD on the international site. */
  currency: "CNY" | "USD";
  create_time: string;
  payment_time?: string;
  /** Sandbox-only fields below. */
  createdAt: number;
  mainResourceId: string;
  /** Main resource first, then its attached resources. */
  resourceIds: string[];
  periodType: 2 | 3;
  periodNum: number;
  /** The partner-granted discount this order may use (PayOrders discount_infos type 3). */
  discount?: { id: string; rate: number };
  /**
   * What ListOrderDiscounts offers for this order (issue 12.3): ids of this order only (never the
   * renewal inquiry's discount ids), every documented type — 0 promotional, 1 contract, 2 commercial,
   * 3 partner-granted, 609 order price adjustment (which PayOrders must use when present).
   */
  discounts?: OrderDiscountOffer[];
  /** The discount PayOrders used (sandbox-only, for tests). */
  paidDiscountId?: string;
  cancelReason?: "deadline";
}

export interface OrderDiscountOffer {
  id: string;
  type: 0 | 1 | 2 | 3 | 609;
  /** Share of the official amount taken off. */
  rate: number;
}

/** Discount types ListOrderDiscounts documents. */
export const ORDER_DISCOUNT_TYPES = [0, 1, 2, 3, 609] as const;

export type RealnameKind = "enterprise" | "change" | "individual";

export interface ReviewScript {
  result: "approved" | "rejected" | "pending";
  opinion?: string;
  afterPolls?: number;
}

export interface RealnameApplication {
  customer_id: string;
  kind: RealnameKind;
  submittedAt: number;
  /** Review-result polls answered so far for this application. */
  polls: number;
  state: "pending" | "approved" | "rejected";
  opinion?: string;
  script: ReviewScript;
  /** The validated request as received (kept in memory for tests; never logged). */
  request: Record<string, unknown>;
  /** The customer's status before the submission (restored meaning for a rejected change). */
  previous: { verified_status: string; customer_type: number };
}

export const DEFAULT_REVIEW: ReviewScript = { result: "approved", afterPolls: 2 };
/** Unpaid orders are cancelled after this (the intl console's 7-day payment window). */
export const PAYMENT_WINDOW_MS = 7 * 86_400_000;

export interface StateOptions extends GeneratorOptions {
  realnameBucketConfigured: boolean;
  /** The partner's account id; derived from the seed when absent. */
  partnerDomainId?: string | undefined;
}

export class SandboxState {
  readonly options: StateOptions;
  readonly partnerDomainId: string;
  /** The partner's account (domain) name, as IAM shows it. */
  readonly partnerAccountName = "partner-ops-sandbox";
  readonly defaultCredentials: { ak: string; sk: string };
  readonly customers: Customer[];
  readonly managers: string[];
  readonly orders: Order[] = [];
  readonly realname = new Map<string, RealnameApplication>();
  /** Enterprise registration data of approved enterprise verifications (reg_country, reg_address); absent = never set. */
  readonly registration = new Map<string, { reg_country?: string; reg_address?: string }>();
  readonly reviewScripts = new Map<string, ReviewScript>();
  realnameBucketConfigured: boolean;
  /** Auto-renew times requested per resource (AutoRenewalResources body). */
  readonly autoRenewTimes = new Map<string, number>();
  /** expire_policy before auto-renew was switched on, restored by the cancel API. */
  readonly policyBeforeAutoRenew = new Map<string, Resource["expire_policy"]>();

  private readonly byId = new Map<string, Customer>();
  private readonly byAccountName = new Map<string, Customer>();
  private readonly materialised = new Map<string, Resource[]>();
  private readonly ordersById = new Map<string, Order>();
  private orderSeq = 0;

  constructor(options: StateOptions) {
    this.options = options;
    this.partnerDomainId = options.partnerDomainId ?? partnerDomainId(options.seed);
    this.defaultCredentials = defaultCredentials(options.seed);
    const { customers, managers } = generateCustomers(options);
    this.customers = customers;
    this.managers = managers;
    for (const c of customers) {
      this.byId.set(c.info.customer_id, c);
      this.byAccountName.set(c.info.account_name, c);
    }
    this.realnameBucketConfigured = options.realnameBucketConfigured;
  }

  /** The site's currency (CNY, or USD on the international site). */
  get currency(): "CNY" | "USD" {
    return this.options.site === "intl" ? "USD" : "CNY";
  }

  customer(id: string): Customer | undefined {
    return this.byId.get(id);
  }

  customerByAccountName(name: string): Customer | undefined {
    return this.byAccountName.get(name);
  }

  /** Current resources of a customer (main resources each followed by their attached ones). Read-only. */
  resources(customerId: string): readonly Resource[] {
    const m = this.materialised.get(customerId);
    if (m) return m;
    const c = this.byId.get(customerId);
    return c ? generateResources(this.options, c) : [];
  }

  /** Resources of a customer as a live, mutable list (kept from now on). */
  mutableResources(customerId: string): Resource[] {
    let m = this.materialised.get(customerId);
    if (!m) {
      const c = this.byId.get(customerId);
      m = c ? generateResources(this.options, c) : [];
      this.materialised.set(customerId, m);
    }
    return m;
  }

  *allResources(): Generator<{ customerId: string; resource: Resource }> {
    for (const c of this.customers) {
      for (const r of this.resources(c.info.customer_id)) yield { customerId: c.info.customer_id, resource: r };
    }
  }

  order(id: string): Order | undefined {
    return this.ordersById.get(id.toUpperCase());
  }

  /** Cancels pending orders whose payment window has passed. */
  expireOrders(now: number): void {
    for (const o of this.orders) {
      if (o.status === 6 && now - o.createdAt > PAYMENT_WINDOW_MS) {
        o.status = 4;
        o.cancelReason = "deadline";
      }
    }
  }

  /** Whether a resource is part of an order waiting for payment. */
  pendingOrderFor(customerId: string, resourceId: string): Order | undefined {
    for (const o of this.orders) {
      if (o.status === 6 && o.customer_id === customerId && o.resourceIds.includes(resourceId)) return o;
    }
    return undefined;
  }

  /** A new order id shaped like Huawei's (`CS` + yyMMddHHmm + 5 letters), unique and deterministic per sequence. */
  newOrderId(now: number): string {
    for (;;) {
      const rng = new Rng(this.options.seed, `order:${this.orderSeq++}`);
      const stamp = formatUtc(now).replace(/[-:TZ]/g, "").slice(2, 12);
      let letters = "";
      for (let i = 0; i < 5; i++) letters += String.fromCharCode(65 + rng.int(0, 25));
      const id = `CS${stamp}${letters}`;
      if (!this.ordersById.has(id)) return id;
    }
  }

  addOrder(o: Order): void {
    this.orders.push(o);
    this.ordersById.set(o.order_id, o);
  }

  /**
   * The discounts a new order carries (deterministic per order id): the customer's partner-granted
   * discount (reseller customers) under a new id, and by chance a promotional, contract, commercial
   * or order price-adjustment (609) discount. Every id is specific to the order.
   */
  orderDiscounts(customerId: string, orderId: string): OrderDiscountOffer[] {
    const rng = new Rng(this.options.seed, `order-discounts:${orderId}`);
    const out: OrderDiscountOffer[] = [];
    const partner = this.partnerDiscount(customerId);
    const id = (type: number) => `sbx-od-${type}-${rng.hex(10)}`;
    if (partner) out.push({ id: id(3), type: 3, rate: partner.rate });
    if (rng.int(0, 99) < 30) out.push({ id: id(2), type: 2, rate: rng.int(3, 12) / 100 });
    if (rng.int(0, 99) < 20) out.push({ id: id(0), type: 0, rate: rng.int(2, 8) / 100 });
    if (rng.int(0, 99) < 15) out.push({ id: id(1), type: 1, rate: rng.int(4, 10) / 100 });
    if (rng.int(0, 99) < 15) out.push({ id: id(609), type: 609, rate: rng.int(1, 20) / 100 });
    return out;
  }

  /** The partner-granted discount offered to a customer: reseller customers only, 5-15 %. */
  partnerDiscount(customerId: string): { id: string; rate: number } | undefined {
    const c = this.byId.get(customerId);
    if (!c || c.info.association_type === "1") return undefined;
    const rng = new Rng(this.options.seed, `discount:${customerId}`);
    return { id: `sbx-discount-${rng.hex(12)}`, rate: rng.int(5, 15) / 100 };
  }
}
