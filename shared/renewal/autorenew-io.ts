/**
 * Adapters of the auto-renew consumer (I/O): the BSS port over the BSS client (customer token via
 * assume_role for quote/renew/pay; partner reads for lookups) and the e-mail report. Called from the
 * handler module only.
 */
import { type BssClient, formatBssTime, isBssError } from "../bss/index.ts";
import type { EmailSender } from "../notify/deliver.ts";
import type { OutcomeReport, RenewQuote } from "./autorenew.ts";
import type { AutoRenewBssPort, ErrorFacts } from "./autorenew-pipeline.ts";

export function bssAutoRenewPort(client: BssClient): AutoRenewBssPort {
  return {
    async resource(customerId, resourceId) {
      const res = await client.listCustomerResources(customerId, { resource_ids: [resourceId], only_main_resource: 1, limit: 10 });
      return (res.data ?? []).find((r) => r.resource_id === resourceId);
    },
    renewRate: async (customer, request) => completeQuote(await client.renewRate(customer, request)),
    renewResources: (customer, request) => client.renewResources(customer, request),
    async orderDiscounts(customer, orderId) {
      return (await client.orderDiscounts(customer, orderId)).discounts ?? [];
    },
    payOrder: (customer, request) => client.payOrder(customer, request),
    async orderStatus(customerId, orderId) {
      const res = await client.listCustomerOrders({ customer_id: customerId, order_id: orderId });
      return (res.order_infos ?? []).find((o) => o.order_id?.toLowerCase() === orderId.toLowerCase())?.status;
    },
    async orderContains(customerId, orderId, resourceId) {
      const res = await client.listCustomerResources(customerId, { order_id: orderId, limit: 100 });
      return (res.data ?? []).some((r) => r.resource_id === resourceId);
    },
    async renewalOrdersSince(customerId, sinceMs) {
      const out: { orderId: string; status: number | undefined }[] = [];
      const begin = formatBssTime(Math.floor(sinceMs / 1000) * 1000);
      for await (const o of client.paginate("ListCustomerOrders", { customer_id: customerId, order_type: "2", create_time_begin: begin }, { pageSize: 100 })) {
        if (o.status === 4 || o.order_id === undefined) continue;
        out.push({ orderId: o.order_id, status: o.status });
      }
      return out;
    },
  };
}

type WireQuote = Awaited<ReturnType<BssClient["renewRate"]>>;

/**
 * The quote as the decision reads it. The contract marks every field of the inquiry optional (tolerant
 * reading): a price line without resource_id/amount, or a discount without discount_id/amount/type,
 * cannot be used and is left out; an undocumented best_offer value counts as "not the best offer".
 */
export function completeQuote(q: WireQuote): RenewQuote {
  const lines = (q.renew_inquiry_results ?? []).flatMap((r) => (r.resource_id !== undefined && r.amount !== undefined ? [{ resource_id: r.resource_id, amount: r.amount }] : []));
  const offers = (q.optional_discount_rating_results ?? []).flatMap((d) => {
    const best: 0 | 1 | undefined = d.best_offer === 1 ? 1 : d.best_offer === 0 ? 0 : undefined;
    return d.discount_id !== undefined && d.amount !== undefined && d.discount_type !== undefined
      ? [{ discount_id: d.discount_id, amount: d.amount, discount_type: d.discount_type, best_offer: best, discount_name: d.discount_name }]
      : [];
  });
  return {
    currency: q.currency,
    ...(q.renew_inquiry_results ? { renew_inquiry_results: lines } : {}),
    ...(q.official_website_rating_result ? { official_website_rating_result: { official_website_amount: q.official_website_rating_result.official_website_amount } } : {}),
    ...(q.optional_discount_rating_results ? { optional_discount_rating_results: offers } : {}),
  };
}

/** BssError facts for the pipeline's terminal/transient decision. */
export function bssErrorFacts(err: unknown): ErrorFacts | undefined {
  if (!isBssError(err)) return undefined;
  return { code: err.code, kind: err.kind, retryable: err.retryable, message: err.detail };
}

/** The outcome report as an e-mail (same sender as the reminders: SES v2, or the local outbox), from the report templates. */
export function emailReporter(
  email: EmailSender,
  render: (report: OutcomeReport) => Promise<{ subject: string; text: string; html: string }>,
): (report: OutcomeReport, to: string | undefined) => Promise<void> {
  return async (report, to) => {
    if (!to) return; // no recipient configured: the log line is the report
    const { subject, text, html } = await render(report);
    await email.send({ to: [to], cc: [], subject, text, html, headers: { "X-Partner-Ops-Autorenew": `${report.state} ${report.mainResourceId}` } });
  };
}
