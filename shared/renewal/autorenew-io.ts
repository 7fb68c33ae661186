/**
 * Adapters of the auto-renew consumer (I/O): the BSS port over the BSS client (customer token via
 * assume_role for quote/renew/pay; partner reads for lookups) and the e-mail report. Called from the
 * handler module only.
 */
import { type BssClient, formatBssTime, isBssError } from "../bss/index.ts";
import type { EmailSender } from "../notify/deliver.ts";
import { renderOutcome, type OutcomeReport } from "./autorenew.ts";
import type { AutoRenewBssPort, ErrorFacts } from "./autorenew-pipeline.ts";

export function bssAutoRenewPort(client: BssClient): AutoRenewBssPort {
  return {
    async resource(customerId, resourceId) {
      const res = await client.listCustomerResources(customerId, { resource_ids: [resourceId], only_main_resource: 1, limit: 10 });
      return (res.data ?? []).find((r) => r.resource_id === resourceId);
    },
    renewRate: (customer, request) => client.renewRate(customer, request),
    renewResources: (customer, request) => client.renewResources(customer, request),
    async orderDiscounts(customer, orderId) {
      return (await client.orderDiscounts(customer, orderId)).discounts ?? [];
    },
    payOrder: (customer, request) => client.payOrder(customer, request),
    async orderStatus(customerId, orderId) {
      const res = await client.listCustomerOrders({ customer_id: customerId, order_id: orderId });
      return (res.order_infos ?? []).find((o) => o.order_id.toLowerCase() === orderId.toLowerCase())?.status;
    },
    async orderContains(customerId, orderId, resourceId) {
      const res = await client.listCustomerResources(customerId, { order_id: orderId, limit: 100 });
      return (res.data ?? []).some((r) => r.resource_id === resourceId);
    },
    async renewalOrdersSince(customerId, sinceMs) {
      const out: { orderId: string; status: number | undefined }[] = [];
      const begin = formatBssTime(Math.floor(sinceMs / 1000) * 1000);
      for await (const o of client.paginate("ListCustomerOrders", { customer_id: customerId, order_type: "2", create_time_begin: begin }, { pageSize: 100 })) {
        if (o.status === 4) continue;
        out.push({ orderId: o.order_id, status: o.status });
      }
      return out;
    },
  };
}

/** BssError facts for the pipeline's terminal/transient decision. */
export function bssErrorFacts(err: unknown): ErrorFacts | undefined {
  if (!isBssError(err)) return undefined;
  return { code: err.code, kind: err.kind, retryable: err.retryable, message: err.detail };
}

/** The outcome report as an e-mail (same sender as the reminders: SES v2, or the local outbox). */
export function emailReporter(email: EmailSender): (report: OutcomeReport, to: string | undefined) => Promise<void> {
  return async (report, to) => {
    if (!to) return; // no recipient configured: the log line is the report
    const { subject, text } = renderOutcome(report);
    const html = `<pre>${text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</pre>`;
    await email.send({ to: [to], cc: [], subject, text, html, headers: { "X-Partner-Ops-Autorenew": `${report.state} ${report.mainResourceId}` } });
  };
}
