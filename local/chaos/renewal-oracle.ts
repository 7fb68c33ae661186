/**
 * Independent observers of the renewal reminders, shared by the e2e tests and the chaos run:
 * the expected set computed from the sandbox's data with the reference rules written out directly
 * (not with shared/renewal's decideReminders), a contacts directory, a signed-webhook receiver on
 * 127.0.0.1, the e-mail outbox reader, and the "queues drained" wait.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { simpleParser } from "mailparser";
import type { Engine } from "../engine/engine.ts";
import type { SandboxData } from "../sandbox/index.ts";
import { verifyWebhookSignature } from "../../shared/signing/index.ts";

const DAY = 86_400_000;
const WINDOWS = [30, 15, 7, 3, 1];
/** Calendar day number in China time (UTC+8, no DST). */
export const chinaDay = (ms: number): number => Math.floor((ms + 8 * 3_600_000) / DAY);

/**
 * Expected reminder keys (`customer#resource#expiry#window`), from the reference rules (bss-api §5.1,
 * partner-processes B, issue 4): reseller customers only (association type "2" on the China site, "3" on the
 * international site: anything but "1" advisory); main resources (attached ones travel with
 * their master); statuses 2/4/5; expire_policy 3 (auto-renew) skipped until its expiry (past it, the
 * automatic renewal did not happen: reminded like any other, issue 12.6); days left = China calendar days
 * (UTC+8, no DST); status 5 → "grace", 4 → "retention"; otherwise the smallest window W of
 * 30/15/7/3/1 with days left ≤ W.
 */
export function expectedReminderKeys(data: SandboxData, nowMs: number): Set<string> {
  const out = new Set<string>();
  for (const c of data.customers) {
    if (c.info.association_type === "1") continue;
    for (const r of data.resources(c.info.customer_id)) {
      if (r.is_main_resource !== 1) continue;
      const expire = Date.parse(r.expire_time);
      if (![2, 4, 5].includes(r.status) || (r.expire_policy === 3 && expire > nowMs)) continue;
      let window: string | undefined;
      if (r.status === 4 && expire <= nowMs) window = "retention";
      else if (r.status === 5 && expire <= nowMs) window = "grace";
      else if (expire > nowMs) {
        const left = chinaDay(expire) - chinaDay(nowMs);
        const fits = WINDOWS.filter((w) => left <= w);
        if (fits.length) window = `${Math.min(...fits)}d`;
      }
      if (window) out.add(`${c.info.customer_id}#${r.resource_id}#${r.expire_time}#${window}`);
    }
  }
  return out;
}

export const managerEmail = (name: string) => `${name}@partner.example`;

/** Contacts directory: every reseller customer but every 7th (those fall back to their BSS e-mail), with e-mail + signed webhook. */
export function contactsDirectory(data: SandboxData, hookUrl: string): { json: string; listed: Set<string> } {
  const listed = new Set<string>();
  const entries = data.customers
    .filter((c, i) => c.info.association_type !== "1" && i % 7 !== 0)
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

export interface WebhookDelivery {
  customerId: string;
  keys: string[];
  idempotencyKey: string | undefined;
}

export interface WebhookReceiver {
  server: Server;
  url: string;
  /** Accepted (2xx) deliveries with a valid signature, in arrival order. */
  received: WebhookDelivery[];
  readonly rejected: number;
  /** Requests answered with an injected failure status. */
  readonly failed: number;
  /** Requests whose answer was delayed. */
  readonly delayed: number;
  close(): Promise<void>;
}

/** What the receiver does with its n-th request (1-based): answer after `delayMs`, with `status` (default 200). */
export type WebhookBehaviour = (n: number) => { delayMs?: number; status?: number };

export async function startWebhookReceiver(options: { secret: string; behaviour?: WebhookBehaviour }): Promise<WebhookReceiver> {
  const state = { received: [] as WebhookDelivery[], rejected: 0, failed: 0, delayed: 0, n: 0 };
  const server = createServer((req, res) => {
    const n = ++state.n;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const v = verifyWebhookSignature(raw, req.headers["x-partner-ops-signature"] as string | undefined, { secrets: [options.secret] });
      if (!v.ok) {
        state.rejected++;
        res.writeHead(401).end();
        return;
      }
      const b = options.behaviour?.(n) ?? {};
      const answer = () => {
        if (b.status !== undefined && (b.status < 200 || b.status > 299)) {
          state.failed++;
          res.writeHead(b.status).end();
          return;
        }
        const body = JSON.parse(raw.toString("utf8")) as { customer_id: string; reminders: { keyString: string }[] };
        state.received.push({ customerId: body.customer_id, keys: body.reminders.map((r) => r.keyString), idempotencyKey: req.headers["idempotency-key"] as string | undefined });
        res.writeHead(b.status ?? 200, { "content-type": "application/json" }).end("{}");
      };
      if (b.delayMs) {
        state.delayed++;
        setTimeout(answer, b.delayMs);
      } else answer();
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
    get failed() {
      return state.failed;
    },
    get delayed() {
      return state.delayed;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface OutboxMail {
  key: string;
  to: string[];
  reminderKeys: string[];
  /** Set on digest e-mails (X-Partner-Ops-Reminder-Count). */
  digestCount: number | undefined;
}

function bucketOf(engine: Engine, logicalId: string): string {
  const b = engine.plan.buckets.find((x) => x.logicalId === logicalId);
  if (!b) throw new Error(`no bucket ${logicalId}`);
  return b.name;
}

/** Every e-mail in the local outbox (RenewalConfigBucket/outbox/), parsed. */
export async function readOutbox(engine: Engine, concurrency = 16): Promise<OutboxMail[]> {
  const Bucket = bucketOf(engine, "RenewalConfigBucket");
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: "outbox/", ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  const out: OutboxMail[] = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const i = next++;
      const key = keys[i]!;
      const o = await engine.clients.s3.send(new GetObjectCommand({ Bucket, Key: key }));
      const mail = await simpleParser(Buffer.from(await o.Body!.transformToByteArray()));
      const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));
      const k = mail.headers.get("x-partner-ops-reminder-keys");
      const n = mail.headers.get("x-partner-ops-reminder-count");
      out[i] = { key, to, reminderKeys: typeof k === "string" ? k.split(/\s+/).filter(Boolean) : [], digestCount: typeof n === "string" ? Number(n) : undefined };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

export function queueBacklog(engine: Engine, name: string): number {
  const q = engine.fauxqs.inspectQueue(name);
  return (q?.messages.ready.length ?? 0) + (q?.messages.inflight.length ?? 0) + (q?.messages.delayed.length ?? 0);
}

/**
 * Resolves when the named queues are empty and `busy()` is false for `rounds` probes in a row
 * (`everyMs` apart); rejects after `timeoutMs`.
 */
export async function waitDrained(engine: Engine, queueNames: readonly string[], busy: () => boolean, options: { timeoutMs?: number; everyMs?: number; rounds?: number; what?: string } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  let quiet = 0;
  for (;;) {
    const isBusy = busy() || queueNames.some((n) => queueBacklog(engine, n) > 0);
    quiet = isBusy ? 0 : quiet + 1;
    if (quiet >= (options.rounds ?? 4)) return;
    if (Date.now() > deadline) {
      const depth = queueNames.map((n) => `${n}=${queueBacklog(engine, n)}`).join(", ");
      throw new Error(`timed out waiting for ${options.what ?? "queues to drain"} (${depth}${busy() ? ", invocations running" : ""})`);
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 150));
  }
}
