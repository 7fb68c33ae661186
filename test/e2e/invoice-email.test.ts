/**
 * Issue 5 end to end on the embedded engine (in memory) with the project's serverless.yml:
 * fixture mails sent over SMTP to the engine's ingress → inbound/<id> in the inbound bucket →
 * S3 notification → invoice-email → notice + attachments in storage, events on the FIFO
 * InvoiceEventsQueue (read back with the SQS client).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRawMail } from "../../local/commands/smtp-send.ts";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { InvoiceNoticeReceived, InvoiceNoticeRejected, noticeIdOf, parseInvoiceEmail } from "../../shared/email/index.ts";
import { bucketName, waitFor } from "./helpers/fixture.ts";

const dir = new URL("../fixtures/invoice-emails/", import.meta.url);
const eml = (name: string) => readFileSync(new URL(`${name}.eml`, dir));
const expected = (name: string) => JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), "utf8")) as unknown;
const MAX_BYTES = 200_000;
const INTERNAL = ["shilicloud.example", "xugou-digital.example", "yangli-net.example"];
/** The notice id the intake gives these bytes (same config as the engine's). */
const idOf = async (raw: Buffer) => noticeIdOf((await parseInvoiceEmail(raw, { internalDomains: INTERNAL, maxMessageBytes: MAX_BYTES })).idempotencyKey);

let engine: Engine;
let mailBucket: string;
let queueUrl: string;
const events: { type: string; id: string; data: Record<string, any> }[] = [];

beforeAll(async () => {
  engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile: resolve(import.meta.dirname, "../../serverless.yml"),
    sandbox: "off",
    logLevel: "SILENT",
    // No BSS here, but the other functions of the service need a BSS configuration to start (issue
    // 11.13); a loopback port nothing listens on keeps them from reaching anything.
    env: { HWC_ENDPOINT: "http://127.0.0.1:9", HWC_IAM_ENDPOINT: "http://127.0.0.1:9", HWC_AK: "unused-ak", HWC_SK: "unused-sk", HWC_XACCOUNT_TYPE: "unused" },
    params: { invoiceInternalDomains: INTERNAL.join(","), invoiceMaxBytes: String(MAX_BYTES) },
  });
  mailBucket = bucketName(engine, "InboundMailBucket");
  queueUrl = engine.queues.find((q) => q.logicalId === "InvoiceEventsQueue")!.url;
}, 30_000);
afterAll(async () => {
  await engine?.close();
});

const send = (raw: Buffer): Promise<string> => sendRawMail(engine.urls.smtp!, raw, { from: "system@info.huaweicloud.com", to: ["finance@invoices.example.com"] });

/** Moves every message of the events queue into `events` (received and deleted). */
async function collect(): Promise<void> {
  for (;;) {
    const res = await engine.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const msgs = res.Messages ?? [];
    if (msgs.length === 0) return;
    for (const m of msgs) {
      events.push(JSON.parse(m.Body!));
      await engine.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

async function eventFor(id: string) {
  return waitFor(`event ${id}`, async () => {
    await collect();
    return events.find((e) => e.id === id);
  });
}

async function getBytes(key: string): Promise<Buffer | undefined> {
  try {
    const res = await engine.clients.s3.send(new GetObjectCommand({ Bucket: mailBucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch {
    return undefined;
  }
}
const getJson = async (key: string) => JSON.parse((await getBytes(key))!.toString("utf8"));
async function keysUnder(prefix: string): Promise<string[]> {
  const res = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: mailBucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}
const outcomeOf = (sourceKey: string) => waitFor(`outcome of ${sourceKey}`, () => getBytes(`outcomes/${sourceKey}.json`)).then((b) => JSON.parse(b.toString("utf8")));

describe("invoice-email on the engine", () => {
  it("05 over SMTP: received event, notice JSON = expected, PDF bytes stored", async () => {
    const raw = eml("05-cn-incentive-pdf-attachment");
    const sourceKey = await send(raw);
    const id = await idOf(raw); // a verified notice: keyed by Message-ID, sender and body (not the relay's headers)
    const ev = InvoiceNoticeReceived.parse(await eventFor(`invoice.notice.received:${id}`));
    expect(ev.data.source).toEqual({ bucket: mailBucket, key: sourceKey });
    expect(ev.data.noticeKey).toBe(`notices/${id}/notice.json`);
    expect(await getJson(ev.data.noticeKey)).toEqual(expected("05-cn-incentive-pdf-attachment"));
    // attachment bytes = what an independent MIME parse of the fixture decodes
    const pdf = (await simpleParser(raw)).attachments[0]!;
    expect(ev.data.attachments.map((a) => a.key)).toEqual([`notices/${id}/attachments/01-${pdf.filename}`]);
    const stored = (await getBytes(ev.data.attachments[0]!.key))!;
    expect(stored.equals(pdf.content)).toBe(true);
    expect(ev.data.attachments[0]!.sha256).toBe(createHash("sha256").update(pdf.content).digest("hex"));
    expect((await getBytes(sourceKey))!.includes(raw)).toBe(true); // the original stays where SES put it
  });

  it("08 (phishing) over SMTP: a rejected event and no notice", async () => {
    const sourceKey = await send(eml("08-phishing-lookalike"));
    const id = await idOf(eml("08-phishing-lookalike"));
    const ev = InvoiceNoticeRejected.parse(await eventFor(`invoice.notice.rejected:${id}`));
    expect(ev.data.reasons).toEqual((expected("08-phishing-lookalike") as { rejectReasons: string[] }).rejectReasons);
    expect(ev.data.source.key).toBe(sourceKey);
    expect(await keysUnder(`notices/${id}/`)).toEqual([]);
    expect(events.some((e) => e.type === "invoice.notice.received" && e.data["noticeId"] === id)).toBe(false);
  });

  it("the same message delivered twice (at once): one notice, one event; the second object is recorded as a duplicate", async () => {
    const raw = eml("01-cn-incentive-alt-utf8-qp");
    const [a, b] = await Promise.all([send(raw), send(raw)]);
    const outcomes = await Promise.all([outcomeOf(a), outcomeOf(b)]);
    const id = await idOf(raw);
    await eventFor(`invoice.notice.received:${id}`);
    // Both objects are handled (outcome records exist); drain whatever else might have arrived.
    await waitFor("both outcomes final", async () => (await Promise.all([outcomeOf(a), outcomeOf(b)])).filter((o) => o.duplicateOf).length === 1);
    await collect();
    expect(events.filter((e) => e.data["noticeId"] === id)).toHaveLength(1);
    expect(outcomes.every((o) => o.noticeId === id)).toBe(true);
    expect(await keysUnder(`notices/${id}/`)).toEqual([`notices/${id}/notice.json`]);
    expect(await getJson(`notices/${id}/notice.json`)).toEqual(expected("01-cn-incentive-alt-utf8-qp"));
  });

  it("a message over the size limit: quarantined (copy + reason), rejected event", async () => {
    const raw = Buffer.concat([eml("04-intl-en-incentive-billing-notice"), Buffer.from(`\r\n${"x".repeat(76)}`.repeat(Math.ceil(MAX_BYTES / 78)))]);
    const sourceKey = await send(raw);
    const id = noticeIdOf(`object:${mailBucket}/${sourceKey}`);
    const ev = InvoiceNoticeRejected.parse(await eventFor(`invoice.notice.rejected:${id}`));
    expect(ev.data).toMatchObject({ reasons: ["message-too-large"], quarantineKey: `quarantine/${id}/message.eml` });
    expect(await getBytes(ev.data.quarantineKey!)).toEqual(await getBytes(sourceKey));
    const reason = await getJson(`quarantine/${id}/reason.json`);
    expect(reason).toMatchObject({ reason: "message-too-large", source: { key: sourceKey } });
    expect(reason.detail).toContain(`limit ${MAX_BYTES}`);
  });

  it("events/invoice-email.json (sample event, fixture 05 at its key) runs through engine.invoke: recognised as already processed", async () => {
    const sample = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../events/invoice-email.json"), "utf8"));
    const rec = sample.Records[0].s3;
    expect(rec.bucket.name).toBe(mailBucket);
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await engine.clients.s3.send(new PutObjectCommand({ Bucket: mailBucket, Key: rec.object.key, Body: eml("05-cn-incentive-pdf-attachment") }));
    const res = await engine.invoke("invoice-email", sample);
    expect(res.ok, res.ok ? "" : res.error.message).toBe(true);
    const id = await idOf(eml("05-cn-incentive-pdf-attachment"));
    expect(res.ok && res.result).toMatchObject({ processed: [{ key: rec.object.key, status: "duplicate", noticeId: id, kind: "invoice-notice" }] });
    await collect();
    expect(events.filter((e) => e.data["noticeId"] === id)).toHaveLength(1);
  });

  it("nothing went to a dead-letter queue", async () => {
    const { S3_EVENTS_DLQ } = await import("../../local/engine/s3-notify.ts");
    expect(engine.fauxqs.inspectQueue(S3_EVENTS_DLQ)?.messages.ready.length ?? 0).toBe(0);
  });
});
