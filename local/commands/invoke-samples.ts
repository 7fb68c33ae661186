/**
 * Makes the sample events of events/ work when invoked (issue 15.5), at invoke time:
 * - an HTTP event carrying X-Partner-Ops-Signature is signed again, now, with the engine's webhook
 *   secret (the shared signer, over what the API verifies);
 * - a sample naming the placeholder application (SAMPLE_APPLICATION_ID) first creates an application
 *   with events/realname-api-create.json and names that one instead (for the submit sample: the
 *   demo's upload-mode application, with its files uploaded to the presigned URLs);
 * - an S3 sample (or an on-failure record around one) whose object is missing uploads the fixture it
 *   names first (invoice-email, invoice-email-failed).
 * Plus the verdict on a result: a batch with failed items is a failure.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { signWebhook } from "../../shared/signing/index.ts";
import { sampleApplication, sampleFiles } from "./demo-samples.ts";

export const SAMPLE_APPLICATION_ID = "0190f5c4-8a1e-7c3b-9d2f-6e4a1b2c3d4e";
const CREATE_SAMPLE = new URL("../../events/realname-api-create.json", import.meta.url);
const FIXTURES = new URL("../../test/fixtures/invoice-emails/", import.meta.url);

export interface SampleContext {
  webhookSecret: string | undefined;
  s3: S3Client;
  invoke(fn: string, event: unknown): Promise<{ ok: boolean; result?: unknown; error?: { name: string; message: string } }>;
  note(line: string): void;
}

const httpEvent = z.object({
  headers: z.record(z.string(), z.string()),
  rawPath: z.string(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
});

/** The event signed now with `secret`, when it is an HTTP event that carries a webhook signature. */
export function signSample(event: unknown, secret: string): unknown {
  const e = httpEvent.safeParse(event);
  if (!e.success || !("x-partner-ops-signature" in e.data.headers)) return event;
  const body = e.data.body === undefined ? "" : e.data.isBase64Encoded ? Buffer.from(e.data.body, "base64").toString("utf8") : e.data.body;
  const query = typeof (event as { rawQueryString?: unknown }).rawQueryString === "string" ? (event as { rawQueryString: string }).rawQueryString : "";
  // v2: bound to the request line (method, path and query as sent) and the body.
  const signature = signWebhook(body, secret, { request: { method: e.data.requestContext.http.method, path: query ? `${e.data.rawPath}?${query}` : e.data.rawPath } });
  return { ...(event as object), headers: { ...e.data.headers, "x-partner-ops-signature": signature } };
}

/** The S3 records of an S3 event, or of the S3 events inside SQS records (on-failure destination records). */
function s3RecordsOf(event: unknown): z.infer<typeof s3Sample>["Records"] {
  const direct = s3Sample.safeParse(event);
  if (direct.success) return direct.data.Records;
  const sqs = z.object({ Records: z.array(z.object({ body: z.string() })) }).safeParse(event);
  if (!sqs.success) return [];
  return sqs.data.Records.flatMap((r) => {
    try {
      const inner = JSON.parse(r.body) as { requestPayload?: unknown };
      const p = s3Sample.safeParse(inner.requestPayload ?? inner);
      return p.success ? p.data.Records : [];
    } catch {
      return [];
    }
  });
}

const s3Sample = z.object({ Records: z.array(z.object({ s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }) })).min(1) });

export async function prepareSample(fn: string, event: unknown, ctx: SampleContext): Promise<unknown> {
  let out = event;
  if (JSON.stringify(out).includes(SAMPLE_APPLICATION_ID)) {
    if (!ctx.webhookSecret) throw new Error("no webhook secret to create the sample application with: set WEBHOOK_SECRET to the engine's");
    // The submit sample needs an application in upload mode whose files are uploaded: the demo's
    // sample application and files, through the presigned URLs the API hands out.
    const forSubmit = httpEvent.safeParse(out).success && (out as { rawPath: string }).rawPath.endsWith("/submit");
    const createSample = JSON.parse(readFileSync(CREATE_SAMPLE, "utf8")) as { body: string; headers: Record<string, string> };
    const files = sampleFiles();
    if (forSubmit) {
      const customerId = (JSON.parse(createSample.body) as { customer_id: string }).customer_id;
      createSample.body = JSON.stringify(sampleApplication(customerId, files));
      createSample.headers = { ...createSample.headers, "x-request-id": `sample-upload-${randomUUID()}` }; // a new application each time
    }
    const create = signSample(createSample, ctx.webhookSecret);
    const res = await ctx.invoke("realname-api", create);
    const parsed = z.object({ statusCode: z.number(), body: z.string() }).safeParse(res.result);
    const id = parsed.success ? (JSON.parse(parsed.data.body) as { id?: unknown }).id : undefined;
    if (!res.ok || typeof id !== "string") throw new Error(`creating the sample application failed: ${parsed.success ? `HTTP ${parsed.data.statusCode} ${parsed.data.body.slice(0, 300)}` : res.error?.message}`);
    if (forSubmit) {
      const uploads = z.object({ uploads: z.array(z.object({ role: z.string(), url: z.url() })) }).parse(JSON.parse(parsed.success ? parsed.data.body : "{}")).uploads;
      for (const u of uploads) {
        const file = files.find((f) => f.role === u.role);
        if (!file) throw new Error(`the API asked for an unexpected document: ${u.role}`);
        const put = await fetch(u.url, { method: "PUT", body: file.bytes, headers: { "content-type": file.contentType } });
        if (!put.ok) throw new Error(`upload of the sample ${u.role} failed: HTTP ${put.status}`);
      }
      ctx.note(`created upload-mode application ${id} (the demo's sample) and uploaded its ${uploads.length} files; the sample now submits it`);
    } else {
      ctx.note(`created application ${id} with events/realname-api-create.json; the sample now names it`);
    }
    out = JSON.parse(JSON.stringify(out).replaceAll(SAMPLE_APPLICATION_ID, id));
  }
  if (ctx.webhookSecret) out = signSample(out, ctx.webhookSecret);
  for (const r of s3RecordsOf(out)) {
    const { name: bucket } = r.s3.bucket;
    const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, " "));
    const exists = await ctx.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
    if (exists) continue;
    const fixture = /fixture-([\w-]+)$/.exec(key)?.[1];
    if (!fixture) continue;
    await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(new URL(`${fixture}.eml`, FIXTURES)), ContentType: "message/rfc822" }));
    ctx.note(`uploaded test/fixtures/invoice-emails/${fixture}.eml to s3://${bucket}/${key}`);
  }
  return out;
}

/** Failed items of an SQS/Kinesis batch response, or []. */
export function failedBatchItems(result: unknown): string[] {
  const r = z.object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string() })) }).safeParse(result);
  return r.success ? r.data.batchItemFailures.map((f) => f.itemIdentifier) : [];
}
