/**
 * The embedded engine end to end, on real local servers: HTTP → queue → consumer with partial batch
 * failures → DLQ → `dlq replay`; a schedule; SMTP → S3 object → S3-triggered function; raw bodies.
 */
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../local/engine/engine.ts";
import type { InvocationReport } from "../../local/engine/runtime.ts";
import { bucketName, listKeys, queueDepth, queueName, readResult, runCli, startFixture, waitFor } from "./helpers/fixture.ts";

let engine: Engine;
const invocations: InvocationReport[] = [];
const concurrent = new Map<string, { now: number; max: number }>();
const batches: { label: string; size: number; kept: number; deleted: number }[] = [];

beforeAll(async () => {
  engine = await startFixture({ smtpMaxBytes: 64 * 1024 });
  engine.events.on("invocation-start", (r: InvocationReport) => {
    const c = concurrent.get(r.function) ?? { now: 0, max: 0 };
    c.now++;
    c.max = Math.max(c.max, c.now);
    concurrent.set(r.function, c);
  });
  engine.events.on("batch", (b: (typeof batches)[number]) => batches.push(b));
  engine.events.on("invocation", (r: InvocationReport) => {
    invocations.push(r);
    concurrent.get(r.function)!.now--;
  });
});
afterAll(async () => {
  await engine?.close();
});

async function post(path: string, body: unknown) {
  return fetch(`${engine.urls.http}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("HTTP → queue → consumer → DLQ → replay", () => {
  it("retries only the failing records, dead-letters the poison one, and replays it", async () => {
    const items = [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ n, id: `ok-${n}` })),
      { n: 9, id: "poison", fail: "always" },
      { n: 10, id: "flaky", fail: 1 },
    ];
    const res = await post("/items", { items });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { ids: string[] }).ids.sort()).toEqual(items.map((i) => i.id).sort());

    // Every good item and the flaky one complete; the poison one ends up in the DLQ.
    await waitFor("all completions", async () => ((await listKeys(engine, "done/")).length === 9 ? true : undefined));
    const dlq = queueName(engine, "WorkDLQ");
    await waitFor("poison message in the DLQ", () => queueDepth(engine, dlq).ready === 1 || undefined);

    const attempts = await listKeys(engine, "attempts/");
    const byId = (id: string) => attempts.filter((k) => k.startsWith(`attempts/${id}/`)).map((k) => Number(k.split("/")[2]!.split("-")[0]));
    for (let n = 1; n <= 8; n++) expect(byId(`ok-${n}`), `ok-${n} ran once`).toEqual([1]);
    expect(byId("flaky")).toEqual([1, 2]);
    expect(byId("poison")).toEqual([1, 2]); // maxReceiveCount 2
    expect(await listKeys(engine, "done/poison")).toEqual([]);
    expect(queueDepth(engine, queueName(engine, "WorkQueue"))).toEqual({ ready: 0, inflight: 0, delayed: 0 });

    // At least one batch partly failed: its good records were deleted, only the failed one stayed.
    const worker = batches.filter((b) => b.label.endsWith("→ worker"));
    expect(worker.some((b) => b.size > 1 && b.kept > 0 && b.deleted === b.size - b.kept)).toBe(true);
    expect(worker.every((b) => b.size <= 5)).toBe(true);
    // Batches of the worker ran at most 2 at a time (maximumConcurrency: 2).
    expect(concurrent.get("worker")!.max).toBeLessThanOrEqual(2);
    expect(invocations.filter((r) => r.function === "worker").every((r) => r.outcome === "ok")).toBe(true);

    // The DLQ can be listed without consuming it, then replayed to the work queue.
    const listed = await runCli(["dlq", "list", queueName(engine, "WorkQueue"), "--endpoint", engine.urls.fauxqs]);
    expect(listed.code).toBe(0);
    const listing = JSON.parse(listed.stdout) as { dlq: string; count: number; messages: { envelopeId: string; type: string }[] };
    expect(listing).toMatchObject({ dlq, count: 1, messages: [{ envelopeId: "poison", type: "fixture.work-item" }] });
    expect(queueDepth(engine, dlq).ready).toBe(1);
    // Queue names are case-insensitive (issue 15.6): the name in capitals finds it.
    const folded = await runCli(["dlq", "list", queueName(engine, "WorkQueue").toUpperCase(), "--endpoint", engine.urls.fauxqs]);
    expect(JSON.parse(folded.stdout)).toMatchObject({ dlq, count: 1 });

    const replay = await runCli(["dlq", "replay", dlq, "--endpoint", engine.urls.fauxqs]);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ dlq, replayedTo: queueName(engine, "WorkQueue"), moved: 1 });
    // Back on the work queue, the consumer receives it again (a new message: receive count from 1).
    await waitFor("replayed poison attempted again", async () => ((await listKeys(engine, "attempts/poison/")).length === 4 ? true : undefined));
  });

  it("passes the raw request body through unchanged (signature checks need the exact bytes)", async () => {
    const body = Buffer.from('{"items":[{"n":1,"id":"raw-1"}],"note":"é中 \\r\\n  trailing  "}   \r\n', "utf8");
    const res = await fetch(`${engine.urls.http}/items`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-raw-sha256")).toBe(createHash("sha256").update(body).digest("hex"));

    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    const get = await fetch(`${engine.urls.http}/items/a%20b?x=1&x=2`, { method: "GET" });
    expect(await get.json()).toEqual({ id: "a b", query: { x: "1,2" }, rawSha256: createHash("sha256").update(Buffer.alloc(0)).digest("hex") });
    const bin = await fetch(`${engine.urls.http}/items`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: binary });
    expect(bin.status).toBe(400); // not JSON — but it reached the function as base64 of the exact bytes:
    expect(bin.headers.get("x-raw-sha256")).toBe(createHash("sha256").update(binary).digest("hex"));
    const notFound = await fetch(`${engine.urls.http}/nope`);
    expect(notFound.status).toBe(404);
  });
});

describe("schedules", () => {
  it("fires rate() schedules with their input, and plans cron() ones with AWS semantics", async () => {
    const key = await waitFor("a tick", async () => (await listKeys(engine, "ticks/"))[0]);
    expect(JSON.parse(await readResult(engine, key))).toEqual({ source: "fixture" });
    const cron = engine.schedules().find((s) => s.expression === "cron(0 8 ? * MON-FRI *)")!;
    expect(cron.fn).toBe("tick");
    const next = cron.next!;
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([8, 0]);
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
  });
});

describe("SMTP ingress → S3 → function", () => {
  const transport = () => nodemailer.createTransport({ host: engine.urls.smtp!.host, port: engine.urls.smtp!.port, secure: false, ignoreTLS: true });

  it("stores the raw mail like SES and invokes the S3-triggered function with a correct S3 event", async () => {
    const info = await transport().sendMail({
      from: "Huawei Cloud <billing@huaweicloud.example>",
      to: "invoices@fixture.test",
      subject: "开票通知 ABC 2026",
      text: "Invoice notice body\nline 2",
    });
    expect(info.accepted).toEqual(["invoices@fixture.test"]);
    const resultKey = await waitFor("mail function result", async () => (await listKeys(engine, "mail/"))[0]);
    const result = JSON.parse(await readResult(engine, resultKey)) as { record: any; subject: string; bytes: number };
    const mailBucket = bucketName(engine, "MailBucket");
    const objectKey = resultKey.slice("mail/".length, -".json".length);
    expect(objectKey).toMatch(/^inbound\/[0-9a-v]{40}$/);

    const stored = await engine.clients.s3.send(new GetObjectCommand({ Bucket: mailBucket, Key: objectKey }));
    const raw = Buffer.from(await stored.Body!.transformToByteArray());
    const text = raw.toString("utf8");
    expect(text.startsWith("Return-Path: <billing@huaweicloud.example>\r\nReceived: from ")).toBe(true);
    expect(text).toContain("\r\nSubject: =?UTF-8?");

    const r = result.record;
    expect(r).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "mail-s3-0",
        bucket: { name: mailBucket, arn: `arn:aws:s3:::${mailBucket}` },
        object: { key: objectKey, size: raw.length, eTag: createHash("md5").update(raw).digest("hex") },
      },
    });
    expect(Number.isNaN(Date.parse(r.eventTime))).toBe(false);
    expect(r.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(result.bytes).toBe(raw.length);
    expect(result.subject).toMatch(/^=\?UTF-8\?/);
  });

  it("refuses recipients no receipt rule accepts, and messages over the size limit", async () => {
    await expect(transport().sendMail({ from: "a@b.example", to: "someone@other.example", text: "x" })).rejects.toMatchObject({ responseCode: 550 });
    const big = "x".repeat(70 * 1024);
    await expect(transport().sendMail({ from: "a@b.example", to: "invoices@fixture.test", text: big })).rejects.toMatchObject({ responseCode: 552 });
  });
});
