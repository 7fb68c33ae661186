/**
 * One log scan over every end-to-end flow. A single engine (serverless.yml, in memory, DEBUG level)
 * runs against the BSS sandbox while everything the process prints is captured (Powertools lines of
 * every function, the engine's own logger, the sandbox's request log, console.*, direct writes to
 * stdout/stderr):
 *   1. renewal reminders: scheduler → scan → notify (e-mail outbox + signed webhook) → digest;
 *   2. auto-renew "on" for allow-listed resources (customer token from IAM assume_role);
 *   3. invoice e-mails over SMTP: a notice with a PDF attachment, and the phishing look-alike
 *      (both carrying an extra attachment with a marker);
 *   4. real-name: enterprise (credit code, legal person's ID number, inline files), individual with
 *      an ID number and bank card (presigned upload), a passport application with bad uploads,
 *      refused signatures, a rejected review, a bucket-not-configured failure, document purge, the
 *      sample submission event (unknown application).
 * The output must not contain any AK/SK (BSS sandbox, OBS), customer token, webhook secret, ID or
 * passport number, credit code, person's or company name, bank/mobile data, file contents (raw or
 * base64) or presigned-URL signature. Failures name the kind of leak, never the value.
 */
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { readFileSync, writeSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRawMail } from "../../local/commands/smtp-send.ts";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { signWebhook } from "../../shared/signing/index.ts";
import { captureOutput, type OutputCapture } from "./helpers/capture.ts";
import { bucketName, waitFor } from "./helpers/fixture.ts";
import { callbackPortal, customerPicker, html, jpeg, obsAttachmentProbe, pdf, png, residentId, uscc, zip, type CallbackPortal } from "./helpers/realname-files.ts";
import { autoRenewParams, autoRenewTargets, directory, drained, invocationsInFlight, webhookReceiver, type WebhookReceiver } from "./helpers/renewal.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const OBS_BUCKET = "partner-realname-attachments";
const SECRET = "whsec_logscan_current_7d1f0c2b9a";
const OLD_SECRET = "whsec_logscan_previous_44e0aa1c";
const WEBHOOK_SECRET = `${SECRET},${OLD_SECRET}`;
const OBS_AK = "OBSAKLOGSCAN7Q2W9E4R";
const OBS_SK = "obsSkLogScan/9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c";

// Personal data and markers that must never reach the output.
const CREDIT_CODE = uscc("91350100M000200Y4");
const LEGAL_ID = residentId("11010519491231004");
const INDIVIDUAL_ID = residentId("44030619900101123");
const CORP = "鹭岛日志扫描科技有限公司";
const LEGAL_NAME = "欧阳隐私";
const INDIVIDUAL_NAME = "李保密";
const PASSPORT_NAME = "Logscan Privateperson";
const PASSPORT = "E98765432";
const BANK_ACCOUNT = "6222LOGSCAN00420917";
const MOBILE = "13987650431";
const SMS_CODE = "Q7SMS9";
const FILE_MARKER = "RNFILEMARKER-4b1d9e";
const MAIL_MARKER = "INVOICEATTMARKER-c0ffee42";

let capture: OutputCapture;
let sb: Sandbox;
let engine: Engine;
let api: string;
let hook: WebhookReceiver;
let portal: CallbackPortal;
let portalUrl: string;
let obsProxy: net.Server;
let inFlight: () => number;
const presignedSignatures: string[] = [];
let freshCustomer: () => string;

/** OBS endpoint of the functions: a TCP relay to the engine's fauxqs, so OBS_AK/SK can be distinctive values. */
async function startObsRelay(): Promise<{ server: net.Server; url: string; target(port: number): void }> {
  let targetPort: number | undefined;
  const server = net.createServer((client) => {
    if (targetPort === undefined) return client.destroy();
    const upstream = net.connect(targetPort, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, target: (p) => (targetPort = p) };
}

/** Wraps a message into multipart/mixed with one more attachment (a PDF with `marker` inside). */
function withMarkerAttachment(raw: Buffer, marker: string): Buffer {
  const text = raw.toString("latin1");
  const split = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, split);
  const body = text.slice(split).replace(/^\r?\n\r?\n/, "");
  const unfolded = head.split(/\r?\n(?=\S)/);
  const ctIndex = unfolded.findIndex((h) => /^content-type:/i.test(h));
  const contentType = unfolded[ctIndex]!;
  const rest = unfolded.filter((_, i) => i !== ctIndex && !/^content-transfer-encoding:/i.test(unfolded[i]!));
  const cte = unfolded.find((h) => /^content-transfer-encoding:/i.test(h));
  const boundary = "==logscan-outer-boundary==";
  const attachment = pdf(2000, "mail", marker).toString("base64").replace(/.{76}/g, "$&\r\n");
  const out = [
    ...rest,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    contentType,
    ...(cte ? [cte] : []),
    "",
    body,
    `--${boundary}`,
    'Content-Type: application/pdf; name="statement.pdf"',
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="statement.pdf"',
    "",
    attachment,
    `--${boundary}--`,
    "",
  ].join("\r\n");
  return Buffer.from(out, "latin1");
}

/** Base64 forms of a marker at each of the three byte alignments inside a larger file. */
function base64Forms(marker: string): string[] {
  const b = Buffer.from(marker);
  return [0, 1, 2].map((k) => b.subarray(k, k + 3 * Math.floor((b.length - k) / 3)).toString("base64"));
}

async function call(method: string, path: string, body?: unknown, sign: "current" | "old" | "none" | "replayed" = "current") {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const request = { method, path };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (sign === "current") headers["x-partner-ops-signature"] = signWebhook(text, SECRET, { request });
  if (sign === "old") headers["x-partner-ops-signature"] = signWebhook(text, OLD_SECRET, { request });
  if (sign === "replayed") headers["x-partner-ops-signature"] = signWebhook(text, SECRET, { request, timestamp: Math.floor(Date.now() / 1000) - 600 });
  const res = await fetch(api + path, { method, headers, ...(method === "GET" ? {} : { body: text }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function finalState(id: string, states = ["approved", "rejected", "failed", "failed_config"]): Promise<Record<string, any>> {
  return waitFor(`application ${id} in ${states.join("|")}`, async () => {
    const r = await call("GET", `/realname/applications/${id}`);
    return states.includes(r.body["status"]) ? r.body : undefined;
  }, 20_000, 100);
}

function rememberUploads(uploads: { url: string }[]): void {
  for (const u of uploads) presignedSignatures.push(new URL(u.url).searchParams.get("X-Amz-Signature")!);
}

beforeAll(async () => {
  capture = captureOutput();
  hook = await webhookReceiver(WEBHOOK_SECRET); // the directory's secret_ref is env:WEBHOOK_SECRET (the whole list)
  portal = await callbackPortal();
  portalUrl = portal.url;
  const relay = await startObsRelay();
  obsProxy = relay.server;

  let s3: Engine["clients"]["s3"] | undefined;
  sb = await startSandbox({
    seed: 9090,
    customers: 40,
    resourcesPerCustomer: 6,
    ratePerSecond: 100,
    log: (line) => process.stdout.write(`sandbox: ${line}\n`),
    attachmentExists: obsAttachmentProbe(() => s3, OBS_BUCKET),
  });
  const targets = autoRenewTargets(sb, 2);
  expect(targets).toHaveLength(2);
  engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile,
    stage: "local",
    rateScale: 0.005, // realname-status (rate 1 minute) every 300 ms; the daily renewal schedules never fire
    sandbox: "off",
    logLevel: "DEBUG",
    env: { ...sandboxEnv(sb), WEBHOOK_SECRET, OBS_ENDPOINT: relay.url, OBS_REGION: "us-east-1", OBS_AK, OBS_SK },
    params: {
      renewalSchedule: "rate(1 day)",
      renewalDigestSchedule: "rate(1 day)",
      renewalEmailTransport: "outbox",
      bssRatePerSecond: "100",
      renewalDigestFallbackEmail: "desk@partner.example",
      ...autoRenewParams("on", targets),
      invoiceInternalDomains: "shilicloud.example,xugou-digital.example,yangli-net.example",
      realnamePollSeconds: "0",
      realnameRetentionSeconds: "2",
      realnameRequeueSeconds: "30",
    },
  });
  s3 = engine.clients.s3;
  freshCustomer = customerPicker(sb);
  relay.target(Number(new URL(engine.urls.fauxqs).port));
  await s3.send(new CreateBucketCommand({ Bucket: OBS_BUCKET })); // real-OBS mode: the engine does not create the partner's bucket
  api = engine.urls.http!;
  inFlight = invocationsInFlight(engine);
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await sb?.close();
  await hook?.close();
  await portal?.close();
  await new Promise((r) => obsProxy?.close(r));
  capture?.restore();
}, 60_000);

describe("log scan: every flow with DEBUG logs captured", () => {
  it("the capture sees console.*, stdout/stderr writes and a Powertools logger", () => {
    const m = capture.mark();
    console.log("canary-console-log");
    console.error("canary-console-error");
    process.stdout.write("canary-stdout\n");
    process.stderr.write(Buffer.from("canary-stderr\n"));
    writeSync(1, "canary-fd1\n");
    createLogger({ serviceName: "canary", level: "DEBUG" }).debug("canary-powertools");
    const seen = capture.since(m);
    for (const c of ["canary-console-log", "canary-console-error", "canary-stdout", "canary-stderr", "canary-fd1", "canary-powertools"]) expect(seen).toContain(c);
  });

  it("renewal reminders and auto-renew (on): scheduler → scan → notify + auto-renew → digest", async () => {
    const m = capture.mark();
    const dir = directory(sb, hook.url);
    await engine.clients.s3.send(new PutObjectCommand({ Bucket: bucketName(engine, "RenewalConfigBucket"), Key: "renewal/contacts.json", Body: dir.json, ContentType: "application/json" }));
    const res = await engine.invoke("renewal-scheduler", { time: new Date().toISOString() });
    expect(res.ok).toBe(true);
    await drained(engine, inFlight, ["RenewalScanQueue", "RenewalNotifyQueue", "RenewalAutoRenewQueue"]);
    const digest = await engine.invoke("renewal-digest", { time: new Date().toISOString() });
    expect(digest.ok).toBe(true);

    expect(hook.received.length).toBeGreaterThan(0);
    expect(hook.rejected).toBe(0);
    const outbox = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: bucketName(engine, "RenewalConfigBucket"), Prefix: "outbox/" }));
    expect(outbox.KeyCount ?? 0).toBeGreaterThan(hook.received.length);
    expect(sb.stats.effects.ordersPaid).toBe(2);
    expect(sb.data.issuedTokens.length).toBeGreaterThan(0);

    const seen = capture.since(m);
    for (const msg of ["renewal scans scheduled", "customer scanned", "reminders delivered", "auto-renew outcome", "renewal digests", "KeystoneCreateAgencyToken"]) expect(seen).toContain(msg);
  }, 60_000);

  it("invoice e-mails over SMTP: a notice with attachments and the phishing look-alike", async () => {
    const m = capture.mark();
    const fixture = (name: string) => readFileSync(new URL(`../fixtures/invoice-emails/${name}.eml`, import.meta.url));
    const envelope = { from: "system@info.huaweicloud.com", to: ["finance@invoices.example.com"] };
    const mailBucket = bucketName(engine, "InboundMailBucket");
    for (const name of ["05-cn-incentive-pdf-attachment", "08-phishing-lookalike"]) {
      const key = await sendRawMail(engine.urls.smtp!, withMarkerAttachment(fixture(name), MAIL_MARKER), envelope);
      await waitFor(`outcome of ${name}`, async () => {
        const r = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: mailBucket, Prefix: `outcomes/${key}` }));
        return (r.KeyCount ?? 0) > 0;
      });
    }
    const notices = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: mailBucket, Prefix: "notices/" }));
    const keys = (notices.Contents ?? []).map((o) => o.Key!);
    expect(keys.some((k) => k.endsWith("/notice.json"))).toBe(true);
    expect(keys.filter((k) => k.includes("/attachments/"))).toHaveLength(2); // the fixture's PDF + the marker PDF

    const seen = capture.since(m);
    expect(seen).toContain("mail received");
    expect(seen).toMatch(/"function":"invoice-email"/);
  }, 30_000);

  it("real-name: enterprise, individual (ID number + bank card), passport, refused requests, rejected review, config failure, purge", async () => {
    const m = capture.mark();
    // Refused: unsigned and replayed requests.
    const enterprise = (customerId: string, files: { role: string; content: Buffer; content_type?: string; file_name?: string }[], person = true) => ({
      type: "enterprise",
      customer_id: customerId,
      certificate_type: 0,
      corp_name: CORP,
      verified_number: CREDIT_CODE,
      reg_country: "CN",
      ...(person ? { enterprise_person: { legel_name: LEGAL_NAME, legel_id_number: LEGAL_ID } } : {}),
      callback_url: portalUrl,
      attachments: { mode: "inline", files: files.map((f) => ({ role: f.role, content_base64: f.content.toString("base64"), ...(f.content_type ? { content_type: f.content_type } : {}), ...(f.file_name ? { file_name: f.file_name } : {}) })) },
    });
    const files = [
      { role: "company_certificate", content: pdf(4000, "licence", FILE_MARKER), content_type: "application/pdf", file_name: "licence.pdf" },
      { role: "legal_person_id_portrait", content: jpeg(5000, "portrait", FILE_MARKER) },
      { role: "legal_person_id_emblem", content: png(5000, "emblem", FILE_MARKER) },
    ];
    expect((await call("POST", "/realname/applications", enterprise("CUST-X", files), "none")).status).toBe(401);
    expect((await call("POST", "/realname/applications", enterprise("CUST-X", files), "replayed")).status).toBe(401);

    // Rejected inline files (a disguised HTML page, a ZIP) → 422.
    const bad = await call("POST", "/realname/applications", enterprise(freshCustomer(), [
      { role: "company_certificate", content: zip("zip", FILE_MARKER) },
      { role: "legal_person_id_portrait", content: html("html", FILE_MARKER), content_type: "image/jpeg", file_name: "photo.jpg" },
      { role: "legal_person_id_emblem", content: png(3000, "ok", FILE_MARKER) },
    ]));
    expect(bad.status).toBe(422);

    // Enterprise with the legal person, inline, signed with the previous (rotated) secret → approved.
    const ent = await call("POST", "/realname/applications", enterprise(freshCustomer(), files), "old");
    expect(ent.status).toBe(201);

    // Individual with an ID number and bank card; face photo through a presigned upload.
    const indiv = await call("POST", "/realname/applications", {
      type: "individual",
      customer_id: freshCustomer(),
      identify_type: 4,
      name: INDIVIDUAL_NAME,
      verified_number: INDIVIDUAL_ID,
      bank_card_info: { bank_account: BANK_ACCOUNT, areacode: "0086", mobile: MOBILE, verification_code: SMS_CODE },
      callback_url: portalUrl,
      attachments: { mode: "upload", files: [{ role: "face_photo", size: 6000, content_type: "image/jpeg" }] },
    });
    expect(indiv.status).toBe(201);
    const indivUploads = indiv.body["uploads"] as { url: string }[];
    rememberUploads(indivUploads);
    expect((await call("POST", `/realname/applications/${indiv.body["id"]}/submit`, "")).status).toBe(409); // nothing uploaded yet
    expect((await fetch(indivUploads[0]!.url, { method: "PUT", body: jpeg(6000, "face", FILE_MARKER) })).status).toBe(200);
    expect((await call("POST", `/realname/applications/${indiv.body["id"]}/submit`, "")).status).toBe(202);

    // Passport application whose uploads are wrong (HTML, ZIP, PDF too small for nothing) → 422 at submit.
    const passport = await call("POST", "/realname/applications", {
      type: "individual",
      customer_id: freshCustomer(),
      identify_type: 0,
      verified_type: 3,
      name: PASSPORT_NAME,
      verified_number: PASSPORT,
      callback_url: portalUrl,
      attachments: { mode: "upload", files: [{ role: "passport_bio_page", size: 3000 }, { role: "passport_entry_stamp_page", size: 3000 }, { role: "passport_handheld_bio_page", size: 3000 }] },
    });
    expect(passport.status).toBe(201);
    const pUploads = passport.body["uploads"] as { url: string }[];
    rememberUploads(pUploads);
    for (const [i, content] of [html("p-html", FILE_MARKER), zip("p-zip", FILE_MARKER), pdf(3000, "p-pdf", FILE_MARKER)].entries()) {
      expect((await fetch(pUploads[i]!.url, { method: "PUT", body: content })).status).toBe(200);
    }
    expect((await call("POST", `/realname/applications/${passport.body["id"]}/submit`, "")).status).toBe(422);

    // Rejected review, and a bucket-not-configured failure.
    const rejCustomer = freshCustomer();
    sb.control.setReviewOutcome(rejCustomer, { result: "rejected", opinion: "照片模糊", afterPolls: 1 });
    const rej = await call("POST", "/realname/applications", enterprise(rejCustomer, files.slice(0, 1), false));
    expect(rej.status).toBe(201);

    expect((await finalState(ent.body["id"])).status).toBe("approved");
    expect((await finalState(indiv.body["id"])).status).toBe("approved");
    expect((await finalState(rej.body["id"])).status).toBe("rejected");
    sb.control.setRealnameBucketConfigured(false);
    try {
      const cfg = await call("POST", "/realname/applications", enterprise(freshCustomer(), files.slice(0, 1), false));
      expect((await finalState(cfg.body["id"])).status).toBe("failed_config");
    } finally {
      sb.control.setRealnameBucketConfigured(true);
    }
    // The sample submission event names no known application: dropped with a warning.
    const sample = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../events/realname-submit.json"), "utf8")) as unknown;
    expect(await engine.invoke("realname-submit", sample)).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    // Retention of 2 s: the approved application's documents are purged.
    await waitFor("documents purged", async () => (await call("GET", `/realname/applications/${ent.body["id"]}`)).body["documents_purged"] === true, 20_000, 200);
    expect(portal.callbacks.length).toBeGreaterThanOrEqual(3);

    const seen = capture.since(m);
    for (const msg of ["realname: request refused (signature)", "realname: inline attachment rejected", "realname: application created", "realname: uploaded file rejected", "realname: uploads verified", "realname: submitted", "realname: review result", "realname: final state reported", "realname: documents purged", "realname: submission for an unknown application dropped"]) {
      expect(seen).toContain(msg);
    }
  }, 60_000);

  it("the whole output contains no secret, token, personal data, file content or presigned signature", async () => {
    await drained(engine, inFlight, ["RenewalScanQueue", "RenewalNotifyQueue", "RenewalAutoRenewQueue", "RealnameSubmitQueue"]);
    const text = capture.text();
    expect(text.length).toBeGreaterThan(20_000);
    const forbidden: [kind: string, value: string][] = [
      ["BSS sandbox AK", sb.credentials.ak],
      ["BSS sandbox SK", sb.credentials.sk],
      ["OBS AK", OBS_AK],
      ["OBS SK", OBS_SK],
      ["webhook secret (current)", SECRET],
      ["webhook secret (previous)", OLD_SECRET],
      ...sb.data.issuedTokens.map((t, i): [string, string] => [`customer security token #${i + 1} (X-Subject-Token)`, t]),
      ["credit code", CREDIT_CODE],
      ["legal person's ID number", LEGAL_ID],
      ["individual's ID number", INDIVIDUAL_ID],
      ["passport number", PASSPORT],
      ["legal person's name", LEGAL_NAME],
      ["individual's name", INDIVIDUAL_NAME],
      ["passport holder's name", PASSPORT_NAME],
      ["company name", CORP],
      ["bank account", BANK_ACCOUNT],
      ["mobile number", MOBILE],
      ["SMS verification code", SMS_CODE],
      ["real-name attachment content", FILE_MARKER],
      ...base64Forms(FILE_MARKER).map((b, i): [string, string] => [`real-name attachment content (base64, alignment ${i})`, b]),
      ["invoice e-mail attachment content", MAIL_MARKER],
      ...base64Forms(MAIL_MARKER).map((b, i): [string, string] => [`invoice e-mail attachment content (base64, alignment ${i})`, b]),
      ...presignedSignatures.map((s, i): [string, string] => [`presigned URL signature #${i + 1}`, s]),
      ["presigned URL (X-Amz-Signature parameter)", "X-Amz-Signature="],
    ];
    expect(sb.data.issuedTokens.length).toBeGreaterThan(0);
    expect(presignedSignatures.length).toBe(4);
    const leaks = forbidden.filter(([, value]) => text.includes(value)).map(([kind]) => kind);
    if (/whsec_[A-Za-z0-9_-]{6,}/.test(text)) leaks.push("a webhook secret (whsec_…)");
    if (/"(token|x-auth-token|x-subject-token|security-?token)"\s*:\s*"(?!\[REDACTED\])[^"]+"/i.test(text)) leaks.push("a token-named field with a value");
    expect(leaks, `log output leaks: ${leaks.join("; ")}`).toEqual([]);
  }, 30_000);
});
