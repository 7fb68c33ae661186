/**
 * `partner-ops demo` (`npm run demo`): sends a sample invoice e-mail to the engine's SMTP ingress and
 * a sample real-name application to its signed HTTP API, then prints what came out.
 *
 * Uses the engine `npm start` runs on the data directory (found through <data-dir>/engine.json);
 * when none runs, starts a temporary in-memory engine with its own BSS sandbox and stops it at the end.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { localCredentials } from "../engine/emulators.ts";
import { engineControl, readRuntimeInfo, startEngine, type EngineRuntimeInfo } from "../engine/engine.ts";
import { planResources, type ResourcePlan } from "../engine/resources.ts";
import { loadService, type ServiceModel } from "../engine/service.ts";
import { defaultCredentials } from "../sandbox/generate.ts";
import { signWebhook } from "../../shared/signing/index.ts";
import { createBssClient, isBssError } from "../../shared/bss/index.ts";
import { parseOptions } from "./args.ts";
import { formatReport, maskedApplicant, NOTICE_FIELDS, sampleApplication, sampleFiles, type DemoReport, type InvoiceReport, type RealnameReport } from "./demo-samples.ts";
import { sendRawMail, type SmtpTarget } from "./smtp-send.ts";

const usage = `Usage: partner-ops demo [--data-dir D | --in-memory] [--timeout S] [--customer ID] [--json]

Sends a sample invoice e-mail (test/fixtures/invoice-emails/05, a notice with a PDF attachment) to the
engine's SMTP ingress and a sample real-name application (an enterprise with its legal person, three
small files uploaded through presigned URLs, then submitted) to its signed HTTP API, and prints what
came out: the invoice notice (kind, fields, where it is stored, its event) and the application's
states until approved or rejected, with the object keys stored. ID numbers and names are masked.

Uses the engine \`npm start\` runs on the data directory (default .partner-ops). When none runs (or
with --in-memory), starts a temporary in-memory engine with the BSS sandbox and stops it afterwards.

  --timeout S    seconds to wait for each result (default 60)
  --customer ID  sandbox customer for the application (default: the first one not yet verified)
  --json         print one JSON document instead of the report

The real-name part runs only against the BSS sandbox, never against real Huawei credentials.`;

const FIXTURE = "05-cn-incentive-pdf-attachment";
const FIXTURE_FILE = new URL(`../../test/fixtures/invoice-emails/${FIXTURE}.eml`, import.meta.url);
const FINAL_STATES = new Set(["approved", "rejected", "failed", "failed_config", "needs_operator", "expired"]);

export class DemoError extends Error {
  override name = "DemoError";
}

interface Target {
  info: DemoReport["engine"];
  http: string;
  smtp: SmtpTarget;
  s3: S3Client;
  mail: { bucket: string; prefix: string; recipient: string };
  eventsQueue: { name: string; url: string } | undefined;
  realnameBucket: string | undefined;
  webhookSecret: string;
  sandbox: { url: string; credentials: { ak: string; sk: string } } | undefined;
  /** Ready messages of a queue without receiving them (temporary engine only). */
  peek?: (queueName: string) => string[];
  /** Runs one realname-status sweep now (instead of waiting for its schedule). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

function resourcesOf(model: ServiceModel, plan: ResourcePlan) {
  const rule = plan.mailRules.find((r) => r.enabled);
  if (!rule) throw new DemoError("serverless.yml has no enabled SES receipt rule: the engine has no SMTP ingress");
  const recipient = rule.recipients[0] ?? "invoices.example.com";
  const q = plan.queues.find((x) => x.logicalId === "InvoiceEventsQueue");
  const bucket = model.functions.find((f) => f.name === "realname-api")?.environment["OBS_BUCKET"];
  return {
    mail: { bucket: rule.bucket, prefix: rule.prefix, recipient: recipient.includes("@") ? recipient : `finance@${recipient}` },
    eventsQueue: q ? { name: q.name, url: q.url } : undefined,
    realnameBucket: typeof bucket === "string" && bucket ? bucket : undefined,
  };
}

const s3For = (endpoint: string, region: string) =>
  new S3Client({ region, endpoint, credentials: localCredentials(), forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });

function firstSecret(list: string | undefined): string | undefined {
  return list?.split(",").map((s) => s.trim()).find(Boolean);
}

async function runningTarget(info: EngineRuntimeInfo, dataDir: string, io: CommandIO): Promise<Target> {
  if (!info.http || !info.smtp) {
    throw new DemoError(`the engine on ${dataDir} (pid ${info.pid}) does not record its ${info.http ? "SMTP" : "HTTP"} address (started by an older version?); restart it with npm start`);
  }
  const model = loadService(info.serviceFile, { stage: info.stage, region: info.region, env: io.env, params: {} });
  const plan = planResources(model, (name) => `${info.fauxqs}/000000000000/${name}`);
  let local: Record<string, string> = {};
  try {
    local = JSON.parse(readFileSync(join(dataDir, "local-secrets.json"), "utf8")) as Record<string, string>;
  } catch {
    // none: the engine's shell set WEBHOOK_SECRET
  }
  const webhookSecret = firstSecret(io.env["WEBHOOK_SECRET"]) ?? firstSecret(local["WEBHOOK_SECRET"]);
  if (!webhookSecret) throw new DemoError(`no webhook secret: set WEBHOOK_SECRET to the engine's (it is not in ${join(dataDir, "local-secrets.json")})`);
  const http = info.http;
  const s3 = s3For(info.fauxqs, info.region);
  return {
    info: { kind: "running", http, smtp: `${info.smtp.host}:${info.smtp.port}`, dataDir, pid: info.pid },
    http,
    smtp: info.smtp,
    s3,
    ...resourcesOf(model, plan),
    webhookSecret,
    // The engine's own sandbox: default seed, so default credentials.
    sandbox: info.sandbox ? { url: info.sandbox, credentials: defaultCredentials(1) } : undefined,
    async sweep() {
      await engineControl(info, "/_engine/invoke/realname-status", {});
    },
    async close() {
      s3.destroy();
    },
  };
}

/** ./serverless.yml, else the one of this checkout. */
function serviceFile(): string {
  const inCwd = resolve("serverless.yml");
  return existsSync(inCwd) ? inCwd : new URL("../../serverless.yml", import.meta.url).pathname;
}

async function temporaryTarget(io: CommandIO, why: string): Promise<Target> {
  io.stderr.write(`demo: ${why}: starting a temporary in-memory engine with the BSS sandbox (stopped at the end)\n`);
  const debug = Boolean(io.env["PARTNER_OPS_DEBUG"]);
  const engine = await startEngine({
    serviceFile: serviceFile(),
    // No Huawei credentials: the engine starts its own sandbox (default seed), whatever the shell has.
    env: debug ? { POWERTOOLS_LOG_LEVEL: "DEBUG" } : {},
    sandbox: "on",
    inMemory: true,
    httpPort: 0,
    smtpPort: 0,
    pollWaitSeconds: 0,
    pollIdleMs: 50,
    logLevel: debug ? "DEBUG" : "SILENT",
    // Reviews are read at every sweep; the daily renewal jobs stay out of the way.
    params: { realnamePollSeconds: "0", renewalSchedule: "rate(1 day)", renewalDigestSchedule: "rate(1 day)" },
  });
  const http = engine.urls.http!;
  const smtp = engine.urls.smtp!;
  return {
    info: { kind: "temporary", http, smtp: `${smtp.host}:${smtp.port}` },
    http,
    smtp,
    s3: engine.clients.s3,
    ...resourcesOf(engine.model, engine.plan),
    webhookSecret: engine.localSecrets["WEBHOOK_SECRET"]!,
    sandbox: engine.urls.sandbox ? { url: engine.urls.sandbox, credentials: defaultCredentials(1) } : undefined,
    peek: (name) => (engine.fauxqs.inspectQueue(name)?.messages.ready ?? []).map((m) => m.body),
    async sweep() {
      await engine.invoke("realname-status", {});
    },
    close: () => engine.close(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(s3: S3Client, bucket: string, key: string): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await r.Body!.transformToString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const outcomeSchema = z.object({
  kind: z.string(),
  noticeId: z.string(),
  rejectReasons: z.array(z.string()),
  noticeKey: z.string().nullable(),
  attachmentKeys: z.array(z.string()),
  event: z.object({ type: z.string(), id: z.string() }).nullable(),
  duplicateOf: z.object({ key: z.string() }).nullable(),
});

async function invoiceDemo(t: Target, deadline: number): Promise<InvoiceReport> {
  const raw = readFileSync(FIXTURE_FILE);
  const storedAt = await sendRawMail(t.smtp, raw, { from: "system@info.huaweicloud.com", to: [t.mail.recipient] }, t.mail.prefix);
  const report: InvoiceReport = { sent: { fixture: `test/fixtures/invoice-emails/${FIXTURE}.eml`, to: t.mail.recipient, storedAt: `${t.mail.bucket}/${storedAt}` } };
  let outcome: z.infer<typeof outcomeSchema> | undefined;
  while (Date.now() < deadline) {
    const o = await getJson(t.s3, t.mail.bucket, `outcomes/${storedAt}.json`);
    if (o) {
      outcome = outcomeSchema.parse(o);
      break;
    }
    await sleep(200);
  }
  if (!outcome) {
    report.missing = `no outcome for ${storedAt} within the timeout: invoice-email did not process the mail (is its S3 trigger running? see the engine's log)`;
    return report;
  }
  // A duplicate's own record points at the first object; the notice is the first one's.
  const notice = outcome.noticeKey ? await getJson(t.s3, t.mail.bucket, outcome.noticeKey) : undefined;
  const fields: Record<string, unknown> = {};
  for (const k of NOTICE_FIELDS) if (notice && notice[k] !== undefined) fields[k] = notice[k];
  const attachments = await Promise.all(
    outcome.attachmentKeys.map(async (key) => {
      try {
        const h = await t.s3.send(new HeadObjectCommand({ Bucket: t.mail.bucket, Key: key }));
        return { key: `${t.mail.bucket}/${key}`, ...(h.ContentLength !== undefined ? { size: h.ContentLength } : {}) };
      } catch {
        return { key: `${t.mail.bucket}/${key}` };
      }
    }),
  );
  let event: NonNullable<InvoiceReport["outcome"]>["event"];
  if (outcome.event && t.eventsQueue) {
    const peeked = t.peek ? t.peek(t.eventsQueue.name).some((b) => b.includes(outcome.event!.id)) : false;
    event = { ...outcome.event, queue: t.eventsQueue.name, seen: peeked ? "peeked" : "left on the queue for its consumer" };
  }
  report.outcome = {
    kind: outcome.kind,
    noticeId: outcome.noticeId,
    ...(outcome.duplicateOf ? { duplicateOf: outcome.duplicateOf.key } : {}),
    rejectReasons: outcome.rejectReasons,
    fields,
    ...(outcome.noticeKey ? { noticeKey: `${t.mail.bucket}/${outcome.noticeKey}` } : {}),
    attachments,
    ...(event ? { event } : {}),
  };
  return report;
}

async function sandboxCustomer(sandbox: NonNullable<Target["sandbox"]>): Promise<string | undefined> {
  // Through the BSS client: signed, with the X-Domain-Id it looks up at the sandbox's IAM endpoint.
  const client = createBssClient({ endpoint: sandbox.url, iamEndpoint: sandbox.url, credentials: sandbox.credentials, maxAttempts: 1 });
  let res;
  try {
    res = await client.listSubCustomers({ limit: 100, offset: 0 });
  } catch (err) {
    throw new DemoError(`cannot list the sandbox's customers (${isBssError(err) ? `HTTP ${err.status ?? "-"} ${err.code}` : (err as Error).message}): pass --customer <id>`);
  }
  return (res.customer_infos ?? []).find((c) => c.verified_status === "-1" || c.verified_status === "1" || c.verified_status === "3")?.customer_id;
}

async function realnameDemo(t: Target, customerOption: string | undefined, deadline: number): Promise<RealnameReport> {
  const report: RealnameReport = { applicant: maskedApplicant(), states: [], objectKeys: [], ...(t.realnameBucket ? { bucket: t.realnameBucket } : {}) };
  if (!t.sandbox) {
    report.skipped = "the engine uses real Huawei credentials: the demo submits real-name applications to the BSS sandbox only";
    return report;
  }
  const customerId = customerOption ?? (await sandboxCustomer(t.sandbox));
  if (!customerId) {
    report.skipped = "every sandbox customer is verified or under review already (restart the engine for fresh data, or pass --customer)";
    return report;
  }
  report.customerId = customerId;
  const call = async (method: string, path: string, body?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json", "x-partner-ops-signature": signWebhook(body ?? "", t.webhookSecret, { request: { method, path } }) };
    const res = await fetch(t.http + path, { method, headers, ...(method === "GET" ? {} : { body: body ?? "" }) });
    if (res.status === 401) throw new DemoError("the real-name API refused the signature: set WEBHOOK_SECRET to the secret the engine uses");
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const files = sampleFiles();
  const created = await call("POST", "/realname/applications", JSON.stringify(sampleApplication(customerId, files)));
  if (created.status !== 201 && created.status !== 200) {
    throw new DemoError(`creating the application failed: HTTP ${created.status} ${JSON.stringify(created.body["errors"] ?? created.body["error"] ?? "")}`);
  }
  const id = String(created.body["id"]);
  report.id = id;
  const seen = new Set<string>();
  const note = (status: string, at = new Date().toISOString()) => {
    if (seen.has(status)) return;
    seen.add(status);
    report.states.push({ status, at });
  };
  note(String(created.body["status"]));
  const uploads = z.array(z.object({ role: z.string(), url: z.string() })).parse(created.body["uploads"] ?? []);
  for (const u of uploads) {
    const file = files.find((f) => f.role === u.role);
    if (!file) throw new DemoError(`the API asked for an unexpected document: ${u.role}`);
    const put = await fetch(u.url, { method: "PUT", body: file.bytes, headers: { "content-type": file.contentType } });
    if (!put.ok) throw new DemoError(`upload of ${u.role} failed: HTTP ${put.status}`);
  }
  const submitted = await call("POST", `/realname/applications/${id}/submit`, "");
  if (submitted.status >= 300) throw new DemoError(`submit failed: HTTP ${submitted.status} ${JSON.stringify(submitted.body["errors"] ?? submitted.body["error"] ?? "")}`);
  if (typeof submitted.body["status"] === "string") note(submitted.body["status"]);

  let view: Record<string, unknown> | undefined;
  while (Date.now() < deadline) {
    view = (await call("GET", `/realname/applications/${id}`)).body;
    for (const h of z.array(z.object({ to: z.string(), at: z.string().optional() })).catch([]).parse(view["history"])) note(h.to, h.at);
    note(String(view["status"]));
    if (FINAL_STATES.has(String(view["status"]))) break;
    await t.sweep();
    await sleep(500);
  }
  const status = String(view?.["status"] ?? "unknown");
  const documents = z.array(z.object({ key: z.string().optional(), path: z.string().optional() }).passthrough()).catch([]).parse(view?.["documents"]);
  report.objectKeys = documents.map((d) => d.key ?? (d.path ? `download/${d.path}` : "")).filter(Boolean);
  if (FINAL_STATES.has(status)) {
    report.final = status;
    if (typeof view?.["opinion"] === "string") report.opinion = view["opinion"];
  } else {
    report.missing = `no review result within the timeout (still ${status}): the engine reads BSS review results every realnamePollSeconds (300 s unless started with --param realnamePollSeconds=5); follow it with GET /realname/applications/${id}`;
  }
  return report;
}

export const command: Command = {
  name: "demo",
  summary: "send a sample invoice e-mail and a sample real-name application to the engine and print what came out",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, { values: ["data-dir", "timeout", "customer"], flags: ["json", "in-memory"] });
    if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const timeoutText = args.values.get("timeout") ?? "60";
    const timeoutS = Number(timeoutText);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError("--timeout must be a positive number of seconds");
    const customer = args.values.get("customer");
    if (customer !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(customer)) throw new UsageError("--customer must be a customer id (letters, digits, '-', '_')");
    if (args.flags.has("in-memory") && args.values.has("data-dir")) throw new UsageError("give --data-dir or --in-memory, not both");
    const dataDir = resolve(args.values.get("data-dir") ?? ".partner-ops");
    const running = args.flags.has("in-memory") ? undefined : readRuntimeInfo(dataDir);

    const target = running
      ? await runningTarget(running, dataDir, io)
      : await temporaryTarget(io, args.flags.has("in-memory") ? "--in-memory" : `no engine is running on ${dataDir}`);
    try {
      if (running) io.stderr.write(`demo: using the engine running on ${dataDir} (pid ${running.pid})\n`);
      const invoice = await invoiceDemo(target, Date.now() + timeoutS * 1000);
      const realname = await realnameDemo(target, customer, Date.now() + timeoutS * 1000);
      const report: DemoReport = { engine: target.info, invoice, realname };
      io.stdout.write(args.flags.has("json") ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      const missing = [invoice.missing, realname.missing].filter(Boolean);
      for (const m of missing) io.stderr.write(`demo: ${m}\n`);
      return missing.length ? 1 : 0;
    } finally {
      await target.close();
    }
  },
};
