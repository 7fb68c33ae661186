/**
 * Shared pieces of the renewal e2e tests: a signed-webhook receiver, the contacts directory built
 * from the sandbox, auto-renew targets, and waiting for the renewal queues to drain.
 */
import type { Engine } from "../../../local/engine/engine.ts";
import { kinds } from "../../../local/sandbox/catalog.ts";
import type { Sandbox } from "../../../local/sandbox/index.ts";
import { chinaDay, contactsDirectory, startWebhookReceiver, waitDrained, type WebhookReceiver } from "../../../local/chaos/renewal-oracle.ts";
import { queueName } from "./fixture.ts";

// The receiver, the directory and the drain wait live in local/chaos/renewal-oracle.ts (shared with the chaos run).
export { chinaDay, managerEmail, type WebhookDelivery as Received, type WebhookReceiver } from "../../../local/chaos/renewal-oracle.ts";

/** Receives reminder webhooks on 127.0.0.1; answers 401 (and counts) when the signature does not verify with `secret`. */
export function webhookReceiver(secret: string): Promise<WebhookReceiver> {
  return startWebhookReceiver({ secret });
}

/** Directory: every reseller customer but every 7th (those fall back to their BSS e-mail); e-mail + signed webhook channels. */
export function directory(sb: Sandbox, hookUrl: string): { json: string; listed: Set<string> } {
  return contactsDirectory(sb.data, hookUrl);
}

export interface AutoRenewTarget {
  customerId: string;
  resourceId: string;
  expireTime: string;
}

/** Main resources auto-renew may renew: due in 1–30 days, in use, sold yearly, customer with an agency. */
export function autoRenewTargets(sb: Sandbox, n: number): AutoRenewTarget[] {
  const out: AutoRenewTarget[] = [];
  const now = Date.now();
  for (const c of sb.data.customers) {
    if (c.info.association_type !== "2" || !c.agency) continue;
    for (const r of sb.data.resources(c.info.customer_id)) {
      if (r.is_main_resource !== 1 || r.status !== 2 || r.expire_policy === 3 || !kinds[r.kind].periods.includes(3)) continue;
      const left = chinaDay(Date.parse(r.expire_time)) - chinaDay(now);
      if (left < 1 || left > 30) continue;
      out.push({ customerId: c.info.customer_id, resourceId: r.resource_id, expireTime: r.expire_time });
      if (out.length >= n) return out;
    }
  }
  return out;
}

/** Counts invocations in progress on the engine. */
export function invocationsInFlight(engine: Engine): () => number {
  let running = 0;
  engine.events.on("invocation-start", () => running++);
  engine.events.on("invocation", () => running--);
  return () => running;
}

/** Waits until the queues (logical ids) are empty and no invocation runs, four probes in a row. */
export function drained(engine: Engine, inFlight: () => number, logicalIds: readonly string[]): Promise<void> {
  return waitDrained(engine, logicalIds.map((id) => queueName(engine, id)), () => inFlight() > 0, { timeoutMs: 45_000, what: "renewal queues to drain" });
}

/** Engine params of the auto-renew tests: the given mode for the targets, 1 year, generous cap, desk report. */
export function autoRenewParams(mode: "dry-run" | "on", targets: readonly AutoRenewTarget[]): Record<string, string> {
  return {
    renewalAutoRenewMode: mode,
    renewalAutoRenewAllow: targets.map((x) => `resource:${x.resourceId}`).join(","),
    renewalAutoRenewPeriodType: "3",
    renewalAutoRenewPeriodNum: "1",
    renewalAutoRenewMaxAmount: "1000000",
    renewalAutoRenewReportEmail: "desk@partner.example",
  };
}
