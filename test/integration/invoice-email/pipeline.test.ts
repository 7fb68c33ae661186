/**
 * The invoice-email handler and intake pipeline against the real adapters on the emulators
 * (fauxqs S3 + FIFO SQS, dynalite ledger), with failures injected by wrapping the adapters.
 */
import { describe, expect, it } from "vitest";
import { createInvoiceEmailHandler, decodeS3Key, InvalidEventError } from "../../../functions/invoice-email/app.ts";
import {
  IntakeBusyError,
  InvoiceNoticeReceived,
  InvoiceNoticeRejected,
  noticeIdOf,
  parseInvoiceEmail,
  processInboundObject,
} from "../../../shared/email/index.ts";
import { createPublisher } from "../../../shared/queue/index.ts";
import { emailConfig, eml, expected, fauxqs, queueUrl, sqs, store, ledgerWith, ports, drain, s3Event, context, useIntakeEmulators } from "./harness.ts";

useIntakeEmulators();

const noticeIdOfFixture = async (name: string) => noticeIdOf((await parseInvoiceEmail(eml(name), emailConfig)).idempotencyKey);
const text = async (key: string) => new TextDecoder().decode((await store.get(key)).body);

/** Every key and event an outcome record names exists (issue 11.2: never a notice or event that does not). */
async function expectOutcomesNameOnlyWhatExists(sourceKeys: string[], published: { id: string }[]) {
  const ids = new Set(published.map((e) => e.id));
  for (const k of sourceKeys) {
    const o = JSON.parse(await text(`outcomes/${k}.json`)) as { noticeKey: string | null; attachmentKeys: string[]; quarantineKey: string | null; event: { id: string } | null };
    for (const key of [o.noticeKey, o.quarantineKey, ...o.attachmentKeys]) if (key !== null) expect(await store.head(key), `${k} names ${key}`).toBeDefined();
    if (o.event) expect(ids.has(o.event.id), `${k} names event ${o.event.id}`).toBe(true);
  }
}

describe("invoice-email handler (emulators)", () => {
  it("05: notice JSON and the PDF stored under notices/<id>/, one received event, an outcome record", async () => {
    const key = "inbound/t1-05";
    await store.put(key, eml("05-cn-incentive-pdf-attachment"));
    const handler = createInvoiceEmailHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: ports() });
    const res = await handler(s3Event(key), context);
    expect(res.processed).toHaveLength(1);
    const events = await drain();
    expect(events).toHaveLength(1);
    const ev = InvoiceNoticeReceived.parse(events[0]);
    expect(JSON.parse(await text(ev.data.noticeKey))).toEqual(expected("05-cn-incentive-pdf-attachment"));
    const att = ev.data.attachments[0]!;
    const stored = await store.get(att.key);
    expect(stored.contentType).toBe("application/pdf");
    const { createHash } = await import("node:crypto");
    expect(createHash("sha256").update(stored.body).digest("hex")).toBe(att.sha256);
    expect(JSON.parse(await text(`outcomes/${key}.json`))).toMatchObject({ kind: "invoice-notice", event: { id: ev.id }, noticeKey: ev.data.noticeKey });
    expect(await store.head(key)).toBeDefined(); // the original stays
  });

  it("the same message in two objects (and the same object twice): one notice, one event; the second object's outcome says duplicateOf", async () => {
    const p = ports();
    await store.put("inbound/t2-a", eml("01-cn-incentive-alt-utf8-qp"));
    await store.put("inbound/t2-b", Buffer.concat([Buffer.from("Received: from elsewhere\r\n"), eml("01-cn-incentive-alt-utf8-qp")]));
    expect((await processInboundObject(p, "inbound/t2-a")).status).toBe("processed");
    expect((await processInboundObject(p, "inbound/t2-a")).status).toBe("duplicate");
    expect((await processInboundObject(p, "inbound/t2-b")).status).toBe("duplicate");
    expect(await drain()).toHaveLength(1);
    expect(JSON.parse(await text("outcomes/inbound/t2-b.json"))).toMatchObject({ duplicateOf: { key: "inbound/t2-a" } });
    expect(JSON.parse(await text("outcomes/inbound/t2-a.json")).duplicateOf).toBeNull();
  });

  // issue 11.2: a message that failed authenticity or parsing must not take a genuine notice's identity
  it("a rejected look-alike with the genuine notice's Message-ID, processed first, does not suppress the genuine notice", async () => {
    const genuine = eml("05-cn-incentive-pdf-attachment");
    const lookalike = Buffer.from(
      genuine.toString("latin1").replace(/^From:[^\r\n]*/m, "From: =?UTF-8?B?5Y2O5Li65LqR?= <billing@huaweicloud-invoice.example>"),
      "latin1",
    );
    await store.put("inbound/t2x-fake", lookalike);
    await store.put("inbound/t2x-real", genuine);
    const p = ports();
    expect((await processInboundObject(p, "inbound/t2x-fake")).plan?.kind).toBe("rejected");
    const real = await processInboundObject(p, "inbound/t2x-real");
    expect(real.status).toBe("processed");
    expect(real.plan?.kind).toBe("invoice-notice");
    const events = await drain();
    expect(events.map((e) => e.type).sort()).toEqual(["invoice.notice.received", "invoice.notice.rejected"]);
    const received = InvoiceNoticeReceived.parse(events.find((e) => e.type === "invoice.notice.received"));
    expect(JSON.parse(await text(received.data.noticeKey))).toEqual(expected("05-cn-incentive-pdf-attachment"));
    await expectOutcomesNameOnlyWhatExists(["inbound/t2x-fake", "inbound/t2x-real"], events);
  });

  it("a truncated first copy (same Message-ID) does not suppress the complete message that follows", async () => {
    const full = eml("05-cn-incentive-pdf-attachment");
    await store.put("inbound/t2t-cut", full.subarray(0, Math.floor(full.length * 0.6)));
    await store.put("inbound/t2t-full", full);
    const p = ports();
    await processInboundObject(p, "inbound/t2t-cut");
    expect((await processInboundObject(p, "inbound/t2t-full")).status).toBe("processed");
    const events = await drain();
    const received = events.filter((e) => e.type === "invoice.notice.received").map((e) => InvoiceNoticeReceived.parse(e));
    const complete = received.filter((e) => e.data.source.key === "inbound/t2t-full");
    expect(complete).toHaveLength(1);
    expect(JSON.parse(await text(complete[0]!.data.noticeKey))).toEqual(expected("05-cn-incentive-pdf-attachment"));
    await expectOutcomesNameOnlyWhatExists(["inbound/t2t-cut", "inbound/t2t-full"], events);
  });

  it("a duplicate's outcome names the first object's notice and event (which exist), and a re-delivery with relay headers is a duplicate", async () => {
    const p = ports();
    await store.put("inbound/t2d-a", eml("06-cn-incentive-forwarded-inline"));
    await store.put("inbound/t2d-b", Buffer.concat([Buffer.from("X-SES-Receipt: relay-2\r\nReceived: from mx2\r\n"), eml("06-cn-incentive-forwarded-inline")]));
    expect((await processInboundObject(p, "inbound/t2d-a")).status).toBe("processed");
    expect((await processInboundObject(p, "inbound/t2d-b")).status).toBe("duplicate");
    const events = await drain();
    expect(events).toHaveLength(1);
    const dup = JSON.parse(await text("outcomes/inbound/t2d-b.json"));
    expect(dup).toMatchObject({ duplicateOf: { key: "inbound/t2d-a" }, event: { id: events[0]!.id } });
    await expectOutcomesNameOnlyWhatExists(["inbound/t2d-a", "inbound/t2d-b"], events);
  });

  it("concurrent deliveries of the same message: one processes, the other waits and reports a duplicate", async () => {
    await store.put("inbound/t3-a", eml("02-cn-incentive-html-gb18030-b64"));
    await store.put("inbound/t3-b", eml("02-cn-incentive-html-gb18030-b64"));
    const statuses = await Promise.all([processInboundObject(ports(), "inbound/t3-a"), processInboundObject(ports(), "inbound/t3-b")]);
    expect(statuses.map((s) => s.status).sort()).toEqual(["duplicate", "processed"]);
    expect(await drain()).toHaveLength(1);
  });

  it("publish fails once (injected): the invocation fails, the claim is released, the retry publishes exactly one event", async () => {
    const key = "inbound/t4";
    await store.put(key, eml("03-cn-incentive-plain-gbk-qp-gb2312-subject"));
    const real = createPublisher({ client: sqs, queueUrl, groupId: (e) => e.id, maxAttempts: 1 });
    let calls = 0;
    const flaky = { publish: async (e: Parameters<typeof real.publish>[0]) => (++calls === 1 ? Promise.reject(new Error("injected: SQS unavailable")) : real.publish(e)) };
    const handler = createInvoiceEmailHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: ports({ publisher: flaky }) });
    await expect(handler(s3Event(key), context)).rejects.toThrow(/injected/);
    expect(await drain()).toHaveLength(0);
    expect(await store.head(`outcomes/${key}.json`)).toBeFalsy(); // no outcome naming an unpublished event
    const id = await noticeIdOfFixture("03-cn-incentive-plain-gbk-qp-gb2312-subject");
    expect(await ledgerWith().get(`invoice-email#${id}`)).toBeUndefined(); // released
    await handler(s3Event(key), context); // the platform's retry
    const events = await drain();
    expect(events.map((e) => e.id)).toEqual([`invoice.notice.received:${id}`]);
    expect((await ledgerWith().get(`invoice-email#${id}`))?.status).toBe("done");
    await handler(s3Event(key), context); // a late third delivery
    expect(await drain()).toHaveLength(0);
  });

  it("crash after publish, before complete (claim left behind): a retry before the claim is stale fails; after, it completes with still one event", async () => {
    const key = "inbound/t5";
    await store.put(key, eml("04-intl-en-incentive-billing-notice"));
    let clock = Date.parse("2026-03-01T00:00:00Z");
    const now = () => new Date(clock);
    const ledger = ledgerWith(now);
    // The "crash": complete throws and release never happens (the process died).
    const crashing = { ...ledger, complete: async () => Promise.reject(new Error("injected crash")), release: async () => undefined };
    await expect(processInboundObject(ports({ ledger: crashing, now, staleAfterSeconds: 90 }), key)).rejects.toThrow(/injected crash/);
    const first = await drain();
    expect(first).toHaveLength(1); // published before the crash
    // Retry 30 s later: the claim is not stale yet (could be a live invocation) → busy, retried later.
    clock += 30_000;
    await expect(processInboundObject(ports({ ledger, now, staleAfterSeconds: 90, waitForPeerMs: 50 }), key)).rejects.toBeInstanceOf(IntakeBusyError);
    // Retry 100 s after the claim: taken over, redone; the re-publish has the same id → FIFO drops it.
    clock += 70_000;
    expect((await processInboundObject(ports({ ledger, now, staleAfterSeconds: 90 }), key)).status).toBe("processed");
    expect(await drain()).toHaveLength(0);
    const id = await noticeIdOfFixture("04-intl-en-incentive-billing-notice");
    expect(first[0]!.id).toBe(`invoice.notice.received:${id}`);
    expect((await ledger.get(`invoice-email#${id}`))?.status).toBe("done");
    expect(JSON.parse(await text(`notices/${id}/notice.json`))).toEqual(expected("04-intl-en-incentive-billing-notice"));
  });

  it("08 (phishing): a rejected event, no notice, nothing in quarantine", async () => {
    const key = "inbound/t6";
    await store.put(key, eml("08-phishing-lookalike"));
    await processInboundObject(ports(), key);
    const [ev, ...rest] = await drain();
    expect(rest).toHaveLength(0);
    const rejected = InvoiceNoticeRejected.parse(ev);
    expect(rejected.data.reasons).toEqual((expected("08-phishing-lookalike") as { rejectReasons: string[] }).rejectReasons);
    expect(await store.list(`notices/${rejected.data.noticeId}/`)).toEqual([]);
    expect(await store.list(`quarantine/${rejected.data.noticeId}/`)).toEqual([]);
  });

  it("07 (not an invoice): no event, no claim; the original stays and an outcome record says so", async () => {
    const key = "inbound/t7";
    await store.put(key, eml("07-not-invoice-marketing"));
    expect((await processInboundObject(ports(), key)).status).toBe("not-invoice");
    expect(await drain()).toHaveLength(0);
    expect(JSON.parse(await text(`outcomes/${key}.json`))).toMatchObject({ kind: "not-invoice", event: null });
    expect(await store.head(key)).toBeDefined();
  });

  it("larger than the limit: quarantined by a server-side copy without downloading, reason file, rejected event", async () => {
    const key = "inbound/t8";
    const big = Buffer.concat([eml("01-cn-incentive-alt-utf8-qp"), Buffer.alloc(300_000, 0x41)]);
    await store.put(key, big);
    let gets = 0;
    const watched = { ...store, name: store.name, get: (k: string) => (gets++, store.get(k)) };
    await processInboundObject(ports({ storage: watched }), key);
    expect(gets).toBe(0);
    const ev = InvoiceNoticeRejected.parse((await drain())[0]);
    expect(ev.data).toMatchObject({ reasons: ["message-too-large"], contentHash: null, messageId: null });
    const copy = await store.get(ev.data.quarantineKey!);
    expect(Buffer.from(copy.body).equals(big)).toBe(true);
    const reason = JSON.parse(await text(`quarantine/${ev.data.noticeId}/reason.json`));
    expect(reason).toMatchObject({ reason: "message-too-large", source: { bucket: "mail", key }, sizeBytes: big.length });
  });

  it("garbage bytes: whatever the parser makes of it, nothing is dropped (an outcome record, and an event unless it is not-invoice)", async () => {
    const key = "inbound/t9";
    await store.put(key, Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10, 0x80]));
    const report = await processInboundObject(ports(), key);
    const events = await drain();
    expect(events).toHaveLength(report.plan?.event ? 1 : 0);
    expect(JSON.parse(await text(`outcomes/${key}.json`)).kind).toBe(report.plan!.kind);
  });

  it("an object that vanished before the function ran: nothing to do, no event", async () => {
    expect((await processInboundObject(ports(), "inbound/never-there")).status).toBe("missing");
    expect(await drain()).toHaveLength(0);
  });

  it("handler: refuses a non-S3 event, ignores objects outside the inbound prefix or bucket, decodes event keys", async () => {
    const handler = createInvoiceEmailHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: ports() });
    await expect(handler({ Records: [{ eventSource: "aws:sqs" }] }, context)).rejects.toBeInstanceOf(InvalidEventError);
    const res = await handler({ Records: [...s3Event("notices/x/notice.json").Records, ...s3Event("inbound/x", "other").Records] }, context);
    expect(res.processed).toEqual([]);
    expect(res.skipped.map((s) => s.key)).toEqual(["notices/x/notice.json", "inbound/x"]);
    expect(decodeS3Key("inbound/a+b%E5%8F%91.eml")).toBe("inbound/a b发.eml");
  });
});
