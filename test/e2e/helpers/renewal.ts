/**
 * Shared pieces of the renewal e2e tests: a signed-webhook receiver, the contacts directory built
 * from the sandbox, auto-renew targets, and waiting for the renewal queues to drain.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Engine } from "../../../local/engine/engine.ts";
import { kinds } from "../../../local/sandbox/catalog.ts";
import type { Sandbox } from "../../../local/sandbox/index.ts";
import { verifyWebhookSignature } from "../../../shared/signing/index.ts";
import { queueDepth, queueName, waitFor } from "./fixture.ts";

const DAY = 86_400_000;
/** Calendar day number in China time (UTC+8, no DST). */
export const chinaDay = (ms: number): number => Math.floor((ms + 8 * 3_600_000) / DAY);

export interface Received {
  keys: string[];
  customerId: string;
}

export interface WebhookReceiver {
  server: Server;
  url: string;
  received: Received[];
  readonly rejected: number;
  close(): Promise<void>;
}

/** Receives reminder webhooks on 127.0.0.1; answers 401 (and counts) when the signature does not verify with `secret`. */
export async function webhookReceiver(secret: string): Promise<WebhookReceiver> {
  const state = { received: [] as Received[], rejected: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const v = verifyWebhookSignature(raw, req.headers["x-partner-ops-signature"] as string | undefined, { secrets: [secret] });
      if (!v.ok) {
        state.rejected++;
        res.writeHead(401).end();
        return;
      }
      const body = JSON.parse(raw.toString("utf8")) as { customer_id: string; reminders: { keyString: string }[] };
      state.received.push({ customerId: body.customer_id, keys: body.reminders.map((r) => r.keyString) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/renewal`,
    received: state.received,
    get rejected() {
      return state.rejected;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const managerEmail = (name: string): string => `${name}@partner.example`;

/** Directory: every reseller customer but every 7th (those fall back to their BSS e-mail); e-mail + signed webhook channels. */
export function directory(sb: Sandbox, hookUrl: string): { json: string; listed: Set<string> } {
  const listed = new Set<string>();
  const entries = sb.data.customers
    .filter((c, i) => c.info.association_type === "2" && i % 7 !== 0)
    .map((c, i) => {
      listed.add(c.info.customer_id);
      const am = c.info.account_managers?.[0]?.account_name;
      return {
        customer_id: c.info.customer_id,
        contacts: [{ name: `Ops ${i}`, email: `ops-${i}@customer.example` }],
        ...(am ? { account_manager: { name: am, email: managerEmail(am) } } : {}),
        language: i % 2 ? "en" : "zh",
        channels: [{ type: "email" }, { type: "webhook", url: hookUrl, secret_ref: "env:WEBHOOK_SECRET" }],
      };
    });
  return { json: JSON.stringify({ customers: entries }), listed };
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
export async function drained(engine: Engine, inFlight: () => number, logicalIds: readonly string[]): Promise<void> {
  const names = logicalIds.map((id) => queueName(engine, id));
  let quiet = 0;
  await waitFor(
    "renewal queues to drain",
    () => {
      const busy = inFlight() > 0 || names.some((n) => {
        const d = queueDepth(engine, n);
        return d.ready + d.inflight + d.delayed > 0;
      });
      quiet = busy ? 0 : quiet + 1;
      return quiet >= 4;
    },
    45_000,
    150,
  );
}
