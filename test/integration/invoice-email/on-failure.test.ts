/**
 * The on-failure path of invoice-email (issue 11.4) at handler level, against the emulators: a mail
 * whose every attempt fails (here: two attempts that time out, then the record Lambda sends to the
 * on-failure destination) ends in quarantine with a reason and a rejected event — exactly once —
 * and never vanishes. The local engine does not run Lambda destinations, so the test plays the
 * platform's part: it builds the destination record from the failed invocation.
 */
import { readFileSync } from "node:fs";
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createInvoiceEmailHandler } from "../../../functions/invoice-email/app.ts";
import { createInvoiceEmailFailedHandler } from "../../../functions/invoice-email-failed/app.ts";
import { failedObjects, InvoiceNoticeRejected, type IntakePorts } from "../../../shared/email/index.ts";
import { eml, sqs, store, ports, drain, s3Event, context, useIntakeEmulators } from "./harness.ts";

useIntakeEmulators();


/** What Lambda sends to the on-failure destination after the last attempt of an async invocation. */
function destinationRecord(event: unknown, error: { errorType: string; errorMessage: string }) {
  return {
    version: "1.0",
    timestamp: "2026-03-01T00:03:00.000Z",
    requestContext: { requestId: "r-1", functionArn: "arn:aws:lambda:us-east-1:000000000000:function:invoice-email:$LATEST", condition: "RetriesExhausted", approximateInvokeCount: 3 },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: error,
  };
}
const sqsEvent = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((b, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `h-${i}`,
    body: typeof b === "string" ? b : JSON.stringify(b),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:failed",
    awsRegion: "us-east-1",
  })),
});
const failedHandler = (p: IntakePorts = ports()) => createInvoiceEmailFailedHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: p });

describe("invoice-email on-failure path (emulators)", () => {
  it("a mail whose attempts all time out ends in quarantine with a reason and one rejected event; a repeated record changes nothing", async () => {
    const key = "inbound/f1";
    const raw = eml("05-cn-incentive-pdf-attachment");
    await store.put(key, raw);
    // Two attempts that never finish (the platform kills them at the timeout): reading the object hangs.
    const hanging: IntakePorts = ports({ storage: { ...store, name: store.name, head: store.head.bind(store), put: store.put.bind(store), copy: store.copy.bind(store), get: () => new Promise(() => undefined) } });
    const intake = createInvoiceEmailHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: hanging });
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await Promise.race([intake(s3Event(key), context).then(() => "done"), new Promise((res) => setTimeout(() => res("timed out"), 50))]);
      expect(r).toBe("timed out");
    }
    expect(await store.head(`outcomes/${key}.json`)).toBeFalsy();
    const record = destinationRecord(s3Event(key), { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 60.00 seconds" });
    const res = await failedHandler()(sqsEvent(record), context);
    expect(res.batchItemFailures).toEqual([]);
    expect(res.quarantined).toMatchObject([{ key, status: "processed" }]);
    const [ev, ...rest] = await drain();
    expect(rest).toHaveLength(0);
    const rejected = InvoiceNoticeRejected.parse(ev);
    expect(rejected.data.reasons).toEqual(["processing-failed"]);
    expect(rejected.data.source).toEqual({ bucket: "mail", key });
    const copy = await store.get(rejected.data.quarantineKey!);
    expect(Buffer.from(copy.body).equals(raw)).toBe(true);
    const reason = JSON.parse(new TextDecoder().decode((await store.get(rejected.data.quarantineKey!.replace(/message\.eml$/, "reason.json"))).body));
    expect(reason).toMatchObject({ reason: "processing-failed", source: { key } });
    expect(reason.detail).toContain("Task timed out after 60.00 seconds");
    expect(JSON.parse(new TextDecoder().decode((await store.get(`outcomes/${key}.json`)).body))).toMatchObject({ kind: "rejected", rejectReasons: ["processing-failed"], event: { id: rejected.id } });
    // the same record again (SQS at-least-once): nothing new
    const again = await failedHandler()(sqsEvent(record), context);
    expect(again.batchItemFailures).toEqual([]);
    expect(await drain()).toHaveLength(0);
  });

  it("an object that an attempt did finish (outcome record present) is left alone", async () => {
    const key = "inbound/f2";
    await store.put(key, eml("01-cn-incentive-alt-utf8-qp"));
    await createInvoiceEmailHandler({ inboundBucket: "mail", inboundPrefix: "inbound/", ports: ports() })(s3Event(key), context);
    expect(await drain()).toHaveLength(1);
    const res = await failedHandler()(sqsEvent(destinationRecord(s3Event(key), { errorType: "Error", errorMessage: "late failure" })), context);
    expect(res.quarantined).toMatchObject([{ key, status: "duplicate" }]);
    expect(await drain()).toHaveLength(0);
    expect(await store.list("quarantine/")).not.toContainEqual(expect.stringContaining(key));
  });

  it("a record it cannot handle (not JSON, not a failure record, storage down) is a batch item failure: retried, then kept in the DLQ", async () => {
    const key = "inbound/f3";
    await store.put(key, eml("02-cn-incentive-html-gb18030-b64"));
    const down: IntakePorts = ports({ publisher: { publish: () => Promise.reject(new Error("injected: SQS unavailable")) } });
    const res = await failedHandler(down)(sqsEvent("not json", { hello: 1 }, destinationRecord(s3Event(key), { errorType: "Error", errorMessage: "x" })), context);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["m-0", "m-1", "m-2"]);
    // the retry, with SQS back, quarantines it
    const ok = await failedHandler()(sqsEvent(destinationRecord(s3Event(key), { errorType: "Error", errorMessage: "x" })), context);
    expect(ok.batchItemFailures).toEqual([]);
    expect(InvoiceNoticeRejected.parse((await drain())[0]).data.reasons).toEqual(["processing-failed"]);
  });

  it("failedObjects: destination records and redriven S3 events, keys decoded; anything else refused with a message", () => {
    const rec = destinationRecord(s3Event("inbound/a+b%C3%A9"), { errorType: "Runtime.ExitError", errorMessage: "signal: killed" });
    expect(failedObjects(JSON.stringify(rec))).toEqual([{ bucket: "mail", key: "inbound/a bé", detail: "every attempt failed (3 attempts), RetriesExhausted: Runtime.ExitError: signal: killed" }]);
    expect(failedObjects(JSON.stringify(s3Event("inbound/x")))[0]).toMatchObject({ key: "inbound/x", detail: "redriven after failed attempts" });
    expect(() => failedObjects("{}")).toThrow(/not an on-failure record or S3 event/);
    // the sample event of the function (events/invoice-email-failed.json) is such a record
    const sample = JSON.parse(readFileSync(new URL("../../../events/invoice-email-failed.json", import.meta.url), "utf8")) as SQSEvent;
    expect(failedObjects(sample.Records[0]!.body)).toEqual([
      { bucket: "partner-ops-local-inboundmailbucket", key: "inbound/fixture-05-cn-incentive-pdf-attachment", detail: expect.stringContaining("Task timed out after 60.00 seconds") },
    ]);
    expect(() => failedObjects("nope")).toThrow(/not JSON/);
  });
});
