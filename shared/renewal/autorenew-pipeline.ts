/**
 * Auto-renew steps — orchestration over ports (ledger, BSS, queue, report), tested with the sandbox.
 *
 * Enqueue (renewal-scan, after its reminders are published): every eligible due reminder (allow-listed,
 * real main resource, BSS auto-renew off) claims `autorenew#<customer>#<resource>#<expiry>` (dry-run:
 * `autorenew-dry-run#…`) and only new claims are published — one request per main resource and expiry,
 * whatever the window. A claim still in state "claimed" by the same scan envelope is published again
 * (crash between claim and publish; the consumer deduplicates on the envelope id). Publish failure
 * releases the unpublished claims and throws (the scan is redelivered).
 *
 * Process (renewal-autorenew), a state machine in the record's attrs:
 *
 *   claimed ──quote──▶ renewing ──RenewalResources──▶ ordered(orderIds) ──ListOrderDiscounts, PayOrders──▶ done: paid
 *      │  over cap / no price / expiry moved ──▶ done: skipped
 *      └─ terminal BSS error (no agency IAM.0004, CBC.*) ──▶ done: failed(code, stage)
 *
 * - "ordered" is recorded before paying: a redelivered message pays the recorded order, never renews.
 * - The discount of each order is chosen from ListOrderDiscounts for that order (chooseOrderDiscount)
 *   and recorded (`payDiscounts[orderId]`) before PayOrders, so a redelivery pays with the same one.
 * - "renewing" is recorded before RenewalResources: if the function dies before "ordered" is written,
 *   the redelivery looks the customer's renewal orders up (created since, containing this main
 *   resource) instead of renewing. BSS itself refuses a second renewal while one is pending payment
 *   (CBC.99003100), and only orders recorded here are paid, so at most one renewal is ever paid.
 * - Ambiguous renew/pay answers are resolved by the client's safe wrappers (order lookup); an order the
 *   lookup attributes to this call is checked to contain this main resource (the wrapper assumes no
 *   concurrent renewal for the customer; auto-renew can run several resources of one customer at once).
 * - Transient failures (network, throttling, 5xx on reads, unresolved ambiguity) throw: SQS redelivers
 *   and the state machine resumes. Terminal ones end in "failed" and are reported.
 */
import type { Envelope } from "../queue/envelope.ts";
import type { DueReminder } from "./decision.ts";
import { AUTORENEW_REPORT_STALE_SECONDS } from "./timing.ts";
import {
  type AutoRenewSettings,
  type ChosenDiscount,
  type FinalState,
  type OrderDiscountLike,
  type OutcomeReport,
  type PriceChoice,
  type RenewQuote,
  RenewalAutoRenew,
  type RenewalAutoRenewMessage,
  autoRenewEligibility,
  autoRenewEnvelopeId,
  autoRenewKeys,
  DISCOUNT_TYPE_NAMES,
  chooseOrderDiscount,
  choosePrice,
  effectiveMode,
  isAllowed,
  payRequest,
  stateKeyOf,
} from "./autorenew.ts";
import type { CustomerContext } from "./messages.ts";
import { type LedgerPort, type PublishPort, PipelineError, failedIds } from "./pipeline.ts";

/** LedgerPort plus updating the attrs of a claimed record (shared/ledger `update`). */
export interface AutoRenewLedgerPort extends LedgerPort {
  update(key: string, attrs: Record<string, unknown>): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Enqueue

export interface EnqueueInput {
  scanId: string;
  runDate: string;
  customer: CustomerContext;
  due: readonly DueReminder[];
  settings: Pick<AutoRenewSettings, "mode" | "allow">;
  ledger: LedgerPort;
  publish: PublishPort;
}

export interface EnqueueResult {
  eligible: number;
  enqueued: number;
  alreadyClaimed: number;
}

export async function enqueueAutoRenew(input: EnqueueInput): Promise<EnqueueResult> {
  const result: EnqueueResult = { eligible: 0, enqueued: 0, alreadyClaimed: 0 };
  const mode = input.settings.mode;
  if (mode === "off") return result;
  const seen = new Set<string>();
  const toPublish: { key: string; envelope: Envelope }[] = [];
  const reportTo = input.customer.entry?.account_manager?.email;
  for (const r of input.due) {
    if (!autoRenewEligibility(mode, input.settings.allow, r).eligible) continue;
    const data = {
      mode,
      runDate: input.runDate,
      customer: { customerId: r.customerId, ...(input.customer.accountName ? { accountName: input.customer.accountName } : {}), ...(reportTo ? { reportTo } : {}) },
      mainResourceId: r.mainResourceId,
      expireTime: r.expireTime,
      window: r.window,
      ...(r.region ? { region: r.region } : {}),
      ...(r.master?.resource_name ? { resourceName: r.master.resource_name.slice(0, 256) } : {}),
      ...(r.master?.service_type_code ? { serviceTypeCode: r.master.service_type_code } : {}),
    };
    const key = stateKeyOf(mode, data);
    if (seen.has(key)) continue;
    seen.add(key);
    result.eligible++;
    const claim = await input.ledger.claim(key, { state: "claimed", scanId: input.scanId, mode });
    if (claim === "done") {
      result.alreadyClaimed++;
      continue;
    }
    if (claim === "busy") {
      const rec = await input.ledger.get(key);
      const ours = rec?.status === "claimed" && rec.attrs?.["state"] === "claimed" && rec.attrs?.["scanId"] === input.scanId;
      if (!ours) {
        result.alreadyClaimed++;
        continue;
      }
    }
    toPublish.push({ key, envelope: RenewalAutoRenew.create(data, { id: autoRenewEnvelopeId(key) }) });
  }
  if (toPublish.length === 0) return result;
  const envelopes = toPublish.map((x) => x.envelope);
  try {
    await input.publish(envelopes);
  } catch (err) {
    const failed = failedIds(err, envelopes);
    for (const x of toPublish) {
      if (failed.has(x.envelope.id)) await input.ledger.release(x.key);
      else result.enqueued++;
    }
    throw new PipelineError(`${failed.size} auto-renew request(s) not published; claims released (${(err as Error).message})`);
  }
  result.enqueued = toPublish.length;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Process

export interface CustomerRefLike {
  id: string;
  accountName?: string | undefined;
}

/** What the consumer needs from BSS (shared/renewal/autorenew-io.ts builds it from the BSS client). */
export interface AutoRenewBssPort {
  /** The main resource as the partner sees it now (ListPayPerUseCustomerResources), or undefined. */
  resource(customerId: string, resourceId: string): Promise<{ expire_time?: string | undefined; expire_policy?: number | undefined; status?: number | undefined } | undefined>;
  /** ListRenewRateOnPeriod as the customer (customer token), attached resources included. */
  renewRate(customer: CustomerRefLike, request: { resource_ids: string[]; period_type: 2 | 3; period_num: number; include_relative_resources: true }): Promise<RenewQuote>;
  /** Safe wrapper: RenewalResources (never resent blindly). */
  renewResources(customer: CustomerRefLike, request: { resource_ids: string[]; period_type: 2 | 3; period_num: number }): Promise<{ orderIds: string[]; failures: { error_code?: string | undefined; error_msg?: string | undefined; resource_id?: string | undefined }[]; reconciled: boolean }>;
  /** ListOrderDiscounts as the customer: the discounts PayOrders accepts for this pending order. */
  orderDiscounts(customer: CustomerRefLike, orderId: string): Promise<OrderDiscountLike[]>;
  /** Safe wrapper: PayOrders v3. */
  payOrder(customer: CustomerRefLike, request: ReturnType<typeof payRequest>): Promise<{ orderId: string; paid: true; reconciled: boolean; retried: boolean }>;
  /** Status of an order (partner view): 5 paid, 6 pending payment, … */
  orderStatus(customerId: string, orderId: string): Promise<number | undefined>;
  /** Whether an order's resources include this main resource. */
  orderContains(customerId: string, orderId: string, resourceId: string): Promise<boolean>;
  /** The customer's renewal orders created at or after `sinceMs` (not cancelled). */
  renewalOrdersSince(customerId: string, sinceMs: number): Promise<{ orderId: string; status: number | undefined }[]>;
}

/** Error facts the pipeline needs (BssError has them); anything else is treated as transient. */
export interface ErrorFacts {
  code: string;
  kind: string;
  retryable: boolean;
  message: string;
}

export interface ProcessInput {
  message: RenewalAutoRenewMessage;
  settings: AutoRenewSettings;
  ledger: AutoRenewLedgerPort;
  bss: AutoRenewBssPort;
  /** Sends one report (e-mail); the pipeline makes it once per record and final state. */
  report: (report: OutcomeReport, to: string | undefined) => Promise<void>;
  /** Classifies an error: terminal (record "failed") or transient (throw, SQS retries). */
  errorFacts: (err: unknown) => ErrorFacts | undefined;
  now: () => number;
  /** Lookup window before the "renewing" timestamp (clock skew). Default 60 s. */
  skewMs?: number;
}

export type ProcessOutcome =
  | { outcome: "dropped"; reason: "mode-lowered" | "not-allowed" }
  | { outcome: FinalState; reported: boolean; alreadyDone: boolean; state: Record<string, unknown> };

export class AutoRenewTransientError extends Error {
  override name = "AutoRenewTransientError";
}

const TERMINAL_KINDS = new Set(["business", "http", "validation", "invalid-response"]);

/** Terminal = BSS said no (4xx / business code) and trying again would not help. */
function terminal(facts: ErrorFacts | undefined): facts is ErrorFacts {
  return facts !== undefined && TERMINAL_KINDS.has(facts.kind) && !facts.retryable;
}

type Attrs = Record<string, unknown>;

export async function processAutoRenew(input: ProcessInput): Promise<ProcessOutcome> {
  const { message, settings, ledger, bss } = input;
  const m = message.data;
  const skewMs = input.skewMs ?? 60_000;
  const key = stateKeyOf(m.mode, m);
  const customer: CustomerRefLike = { id: m.customer.customerId, ...(m.customer.accountName ? { accountName: m.customer.accountName } : {}) };
  const period = { type: settings.periodType, num: settings.periodNum };

  let rec = await ledger.get(key);
  if (!rec) {
    // A message without a claim (e.g. sent by hand with `partner-ops invoke`): claim it now.
    if ((await ledger.claim(key, { state: "claimed", scanId: message.id, mode: m.mode })) !== "new") throw new AutoRenewTransientError("concurrent claim; retry");
    rec = await ledger.get(key);
  }
  if (!rec) throw new AutoRenewTransientError("ledger record vanished");

  if (rec.status === "done") return finish(input, key, (rec as { result?: Attrs }).result ?? {}, true);

  let attrs: Attrs = { ...(rec.attrs ?? {}) };
  const mode = effectiveMode(m.mode, settings.mode);
  const allowed = isAllowed(settings.allow, m.customer.customerId, m.mainResourceId);

  const base: Attrs = { mode: m.mode, customerId: m.customer.customerId, mainResourceId: m.mainResourceId, expireTime: m.expireTime, periodType: period.type, periodNum: period.num };
  const complete = async (result: Attrs): Promise<ProcessOutcome> => {
    await ledger.complete(key, { ...base, ...result });
    return finish(input, key, { ...base, ...result }, false);
  };
  const failed = (stage: string, f: ErrorFacts, extra: Attrs = {}) => complete({ ...attrs, ...extra, state: "failed", stage, code: f.code, reason: f.message.slice(0, 300) });
  /** Runs a BSS step: terminal errors become "failed", others are rethrown (redelivery). */
  const step = async <T>(stage: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; outcome: ProcessOutcome }> => {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      const f = input.errorFacts(err);
      if (terminal(f)) return { ok: false, outcome: await failed(stage, f) };
      throw err;
    }
  };

  // ---- claimed (or renewing without an order): check, quote, decide
  for (;;) {
    const state = attrs["state"];
    if (state === "claimed") {
      // Configuration changed since the request was enqueued: drop it while nothing has been done
      // (the claim is released, so a later scan enqueues it again in the configured mode).
      if (!mode || !allowed) {
        await ledger.release(key);
        return { outcome: "dropped", reason: mode ? "not-allowed" : "mode-lowered" };
      }
      const current = await step("resource", () => bss.resource(m.customer.customerId, m.mainResourceId));
      if (!current.ok) return current.outcome;
      if (!current.value) return complete({ state: "skipped", reason: "resource not found" });
      if (current.value.expire_time !== m.expireTime) return complete({ state: "skipped", reason: `expiry moved to ${current.value.expire_time ?? "?"} (renewed elsewhere)` });
      if (current.value.expire_policy === 3) return complete({ state: "skipped", reason: "BSS auto-renew is on" });

      const quote = await step("quote", () =>
        bss.renewRate(customer, { resource_ids: [m.mainResourceId], period_type: period.type, period_num: period.num, include_relative_resources: true }),
      );
      if (!quote.ok) return quote.outcome;
      const price = choosePrice(quote.value, m.mainResourceId, settings.discount, settings.maxAmount);
      const priceAttrs = priceFields(price);
      if (mode === "dry-run") {
        return complete({ ...priceAttrs, state: "dry-run", wouldRenew: price.renew, ...(price.renew ? {} : { reason: skipReason(price.reason, settings.maxAmount) }) });
      }
      if (!price.renew) return complete({ ...priceAttrs, state: "skipped", reason: skipReason(price.reason, settings.maxAmount) });

      attrs = { ...attrs, ...priceAttrs, state: "renewing", renewingSince: input.now(), periodType: period.type, periodNum: period.num };
      await ledger.update(key, attrs);
      const renewed = await step("renew", () => bss.renewResources(customer, { resource_ids: [m.mainResourceId], period_type: period.type, period_num: period.num }));
      if (!renewed.ok) return renewed.outcome;
      let orderIds = renewed.value.orderIds;
      if (renewed.value.reconciled && orderIds.length > 0) {
        const mine: string[] = [];
        for (const o of orderIds) if (await bss.orderContains(m.customer.customerId, o, m.mainResourceId)) mine.push(o);
        orderIds = mine;
      }
      if (orderIds.length === 0) {
        const f = renewed.value.failures[0];
        if (f) return failed("renew", { code: f.error_code ?? "BSS.RENEW_REFUSED", kind: "business", retryable: false, message: f.error_msg ?? "renewal refused" });
        // Ambiguous answer and no order found: nothing was created. Stay "renewing"; the redelivery
        // looks again and renews only if still nothing is there.
        throw new AutoRenewTransientError("renewal answer lost and no order found yet; retrying later");
      }
      attrs = { ...attrs, state: "ordered", orderIds, reconciledRenew: renewed.value.reconciled };
      await ledger.update(key, attrs);
      continue;
    }
    if (state === "renewing") {
      // The previous attempt died between RenewalResources and recording its order: look it up.
      const since = Number(attrs["renewingSince"] ?? 0) - skewMs;
      const orders = await bss.renewalOrdersSince(m.customer.customerId, since);
      let found: { orderId: string; status: number | undefined } | undefined;
      for (const o of orders) {
        if (o.status !== 5 && o.status !== 6) continue;
        if (await bss.orderContains(m.customer.customerId, o.orderId, m.mainResourceId)) {
          found = o;
          break;
        }
      }
      if (!found) {
        attrs = { ...attrs, state: "claimed" };
        await ledger.update(key, attrs);
        continue; // nothing was ordered: quote and renew (BSS refuses a duplicate while one is pending)
      }
      attrs = { ...attrs, state: "ordered", orderIds: [found.orderId], recoveredOrder: true };
      await ledger.update(key, attrs);
      continue;
    }
    if (state === "ordered") {
      const orderIds = (attrs["orderIds"] as string[] | undefined) ?? [];
      const chosen: Record<string, ChosenDiscount | null> = { ...((attrs["payDiscounts"] as Record<string, ChosenDiscount | null> | undefined) ?? {}) };
      const paid: string[] = [];
      for (const orderId of orderIds) {
        if (!(orderId in chosen)) {
          const listed = await step("discounts", () => bss.orderDiscounts(customer, orderId));
          if (!listed.ok) return listed.outcome;
          chosen[orderId] = chooseOrderDiscount(listed.value, orderId, settings.discount) ?? null;
          attrs = { ...attrs, payDiscounts: { ...chosen } };
          await ledger.update(key, attrs);
        }
        try {
          await bss.payOrder(customer, payRequest(orderId, chosen[orderId] ?? undefined));
          paid.push(orderId);
        } catch (err) {
          const f = input.errorFacts(err);
          // "status changed" after a lost answer of an earlier attempt: the order's status is the truth.
          if (f && (f.code === "CBC.99003106" || f.code === "LOCAL.ORDER_STATUS")) {
            const status = await bss.orderStatus(m.customer.customerId, orderId);
            if (status === 5) {
              paid.push(orderId);
              continue;
            }
          }
          if (terminal(f)) return failed("pay", f, { paidOrderIds: paid });
          throw err;
        }
      }
      // What was paid: the estimate's official price less the savings of the discounts actually used.
      const savings = Object.values(chosen).reduce((sum, d) => sum + (d?.saving ?? 0), 0);
      const official = typeof attrs["official"] === "number" ? attrs["official"] : undefined;
      const amount = official !== undefined ? Math.max(0, Math.round((official - savings) * 100) / 100) : attrs["amount"];
      return complete({ ...attrs, state: "paid", paidOrderIds: paid, ...(amount !== undefined ? { amount } : {}) });
    }
    throw new AutoRenewTransientError(`unknown auto-renew state ${String(state)}`);
  }
}

function priceFields(p: ReturnType<typeof choosePrice>): Attrs {
  return {
    ...(p.amount !== undefined ? { amount: p.amount } : {}),
    ...(p.official !== undefined ? { official: p.official } : {}),
    ...(p.currency !== undefined ? { currency: p.currency } : {}),
    ...(p.estimate ? { estimate: p.estimate } : {}),
  };
}

function skipReason(reason: "over-cap" | "no-price", cap: number): string {
  return reason === "over-cap" ? `price above the safety cap of ${cap}` : "no renewal price returned";
}

/** Reports a final state once (ledger `autorenew-report#…`), then returns the outcome. */
async function finish(input: ProcessInput, key: string, result: Attrs, alreadyDone: boolean): Promise<ProcessOutcome> {
  const state = String(result["state"]) as FinalState;
  const m = input.message.data;
  const reportKey = autoRenewKeys.report(key, state);
  let reported = false;
  // A report claim held by an unfinished attempt is not a sent report: retry until done or stale.
  const claim = await input.ledger.claim(reportKey, { state }, { staleAfterSeconds: AUTORENEW_REPORT_STALE_SECONDS });
  if (claim === "busy") throw new AutoRenewTransientError("outcome report claimed by an unfinished attempt; retry");
  if (claim === "new") {
    const estimate = result["estimate"] as PriceChoice["estimate"];
    const used = Object.values((result["payDiscounts"] as Record<string, ChosenDiscount | null> | undefined) ?? {}).filter((d): d is ChosenDiscount => d !== null);
    const report: OutcomeReport = {
      state,
      customerId: m.customer.customerId,
      mainResourceId: m.mainResourceId,
      resourceName: m.resourceName,
      region: m.region,
      expireTime: m.expireTime,
      amount: typeof result["amount"] === "number" ? result["amount"] : undefined,
      currency: typeof result["currency"] === "string" ? result["currency"] : undefined,
      discountName:
        used.length > 0
          ? used.map((d) => `${DISCOUNT_TYPE_NAMES[d.type]} (type ${d.type}), saving ${d.saving.toFixed(2)}`).join("; ")
          : state === "dry-run" && estimate
            ? `estimated with the renewal inquiry's ${estimate.name ?? `type ${estimate.renewRateType}`} (the discount is taken from the order when paying)`
            : undefined,
      wouldRenew: result["wouldRenew"] === true,
      reason: typeof result["reason"] === "string" ? result["reason"] : undefined,
      code: typeof result["code"] === "string" ? result["code"] : undefined,
      orderIds: Array.isArray(result["orderIds"]) ? (result["orderIds"] as string[]) : undefined,
      period: {
        type: result["periodType"] === 3 ? 3 : result["periodType"] === 2 ? 2 : input.settings.periodType,
        num: typeof result["periodNum"] === "number" ? result["periodNum"] : input.settings.periodNum,
      },
    };
    try {
      await input.report(report, m.customer.reportTo ?? (input.settings.reportEmail || undefined));
    } catch (err) {
      await input.ledger.release(reportKey);
      throw err;
    }
    await input.ledger.complete(reportKey);
    reported = true;
  }
  return { outcome: state, reported, alreadyDone, state: result };
}
