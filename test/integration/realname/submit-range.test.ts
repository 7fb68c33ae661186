/**
 * POST …/submit on real emulators (fauxqs S3, dynalite) with a counting HTTP proxy between the
 * service's OBS client and the bucket: the submit path reads each staged upload with HEAD and two
 * ranged GETs of at most 2 KiB (its first and last bytes), moves it with a server-side copy, and
 * never downloads a file.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { declaredTable } from "../../../local/engine/resources.ts";
import { loadService } from "../../../local/engine/service.ts";
import { fauxqsEndpoint, localCredentials, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { createRecordStore, documentClient, type RecordStore } from "../../../shared/realname-io/records.ts";
import { partnerBucket, type PartnerBucket } from "../../../shared/realname-io/documents.ts";
import { createRealnameService } from "../../../shared/realname-io/service.ts";
import { realnameSettings } from "../../../shared/realname-io/config.ts";
import { SNIFF_BYTES } from "../../../shared/realname/files.ts";
import { sampleJpeg, samplePdf, samplePng } from "../../../shared/realname/sample-files.ts";
import { TAIL_BYTES } from "../../../shared/realname/structure.ts";
import { bucket, createStorageClient, type Bucket } from "../../../shared/storage/index.ts";

const BUCKET = "realname-range-test";
const TABLE = "realname-range-test";
const serviceFile = resolve(import.meta.dirname, "../../../serverless.yml");

interface Exchange {
  method: string;
  path: string;
  range: string | undefined;
  status: number;
  /** Response body bytes the proxy passed back to the service. */
  bytes: number;
}

let fauxqs: FauxqsServer;
let dynamo: LocalDynamo;
let proxy: Server;
let proxyUrl: string;
let exchanges: Exchange[] = [];
let records: RecordStore;
let direct: Bucket; // straight to the emulator, not counted: the test's own reads and writes

/** A loopback proxy in front of the S3 emulator that records every exchange and counts the bytes it returns. */
function startCountingProxy(upstream: string): Promise<Server> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        const entry: Exchange = { method: req.method ?? "", path: req.url ?? "", range: req.headers["range"], status: ur.statusCode ?? 0, bytes: 0 };
        exchanges.push(entry);
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.on("data", (c: Buffer) => {
          entry.bytes += c.length;
          res.write(c);
        });
        ur.on("end", () => res.end());
        ur.on("error", () => res.destroy());
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  fauxqs = await startLocalFauxqs();
  fauxqs.createBucket(BUCKET);
  dynamo = await startLocalDynamo();
  const ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  await ddb.send(new CreateTableCommand(declaredTable(loadService(serviceFile, { stage: "test" }), "RealnameApplicationsTable", TABLE)));
  records = createRecordStore({ tableName: TABLE, client: documentClient(ddb) });
  proxy = await startCountingProxy(fauxqsEndpoint(fauxqs));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  direct = bucket(createStorageClient({ kind: "s3", region: "us-east-1", endpoint: fauxqsEndpoint(fauxqs), forcePathStyle: true, credentials: localCredentials() }), BUCKET);
});

afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await dynamo?.close();
  await fauxqs?.stop();
});

beforeEach(() => {
  exchanges = [];
});

/** The service as realname-api wires it, with the OBS client pointed at the counting proxy. */
function service(wrap: (b: PartnerBucket) => PartnerBucket = (b) => b) {
  const obs = createStorageClient({ kind: "obs", region: "us-east-1", endpoint: proxyUrl, forcePathStyle: true, credentials: localCredentials() });
  const pb = wrap(partnerBucket(obs, BUCKET));
  const queued: string[] = [];
  const svc = createRealnameService({
    settings: realnameSettings({ REALNAME_TABLE: TABLE }),
    records,
    bucket: async () => pb,
    bss: async () => {
      throw new Error("BSS is not used by the submit step");
    },
    xaccountType: () => "bench",
    publishSubmit: async (id) => {
      queued.push(id);
    },
    publishEvent: async () => undefined,
    callback: async () => ({ ok: true, status: 200 }) as never,
    logger: createLogger({ level: "SILENT" }),
  });
  return { svc, queued };
}

const ROLES = ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"] as const;
let customerSeq = 0;
function uploadApplication(slots: { size: number; content_type?: string; file_name?: string }[]): string {
  return JSON.stringify({
    type: "individual",
    customer_id: `range-test-${++customerSeq}`,
    identify_type: 0,
    verified_type: 3,
    name: "Range Test",
    verified_number: "E12345678",
    attachments: { mode: "upload", files: slots.map((s, i) => ({ role: ROLES[i], ...s })) },
  });
}

function filled(size: number, head: readonly number[] | string, fill: number): Buffer {
  const b = Buffer.alloc(size, fill);
  (typeof head === "string" ? Buffer.from(head, "latin1") : Buffer.from(head)).copy(b, 0);
  for (let i = 4096; i < size; i += 4096) b.writeUInt32LE(i, i - 4); // not all one byte
  return b;
}
const jpeg = (n: number) => sampleJpeg(n, "range test");
const png = (n: number) => samplePng(n, "range test");
const pdf = (n: number) => samplePdf(n, "range test");
/** The two ranged GETs of a file larger than 2 KiB: its first and its last 2 KiB. */
const headAndTail = (size: number) => [`bytes=0-${SNIFF_BYTES - 1}`, `bytes=${size - TAIL_BYTES}-${size - 1}`];

async function putAll(urls: string[], files: Buffer[]): Promise<void> {
  for (const [i, url] of urls.entries()) {
    const file = files[i]!;
    if (file.length === 0) {
      // fauxqs answers 500 to a body-less PUT on a presigned URL; store the empty object under the slot's key directly.
      await direct.put(decodeURIComponent(new URL(url).pathname.split("/").slice(2).join("/")), file);
      continue;
    }
    expect((await fetch(url, { method: "PUT", body: file })).status).toBe(200);
  }
}

async function created(svc: ReturnType<typeof service>["svc"], body: string): Promise<{ id: string; urls: string[] }> {
  const r = await svc.createApplication(body, undefined);
  expect(r.statusCode).toBe(201);
  return { id: r.body["id"] as string, urls: (r.body["uploads"] as { url: string }[]).map((u) => u.url) };
}

const responseBytes = (method?: string) => exchanges.filter((e) => !method || e.method === method).reduce((n, e) => n + e.bytes, 0);

describe("realname submit reads no more than the first and last 2 KiB of an upload", () => {
  it("checks three 3 MB uploads with HEAD + two ranged GETs each (head, tail), copies them server-side, drops the staged objects", async () => {
    const { svc, queued } = service();
    const files = [jpeg(3_000_000), png(3_000_001), pdf(2_999_999)];
    const { id, urls } = await created(svc, uploadApplication(files.map((f) => ({ size: f.length }))));
    await putAll(urls, files);

    exchanges = [];
    const r = await svc.submitUploads(id);
    expect(r.statusCode).toBe(202);

    const gets = exchanges.filter((e) => e.method === "GET");
    expect(gets.map((g) => g.range)).toEqual(files.flatMap((f) => headAndTail(f.length)));
    for (const g of gets) {
      expect(g.status).toBe(206);
      expect(g.bytes).toBe(SNIFF_BYTES);
    }
    expect(responseBytes("GET")).toBe(3 * (SNIFF_BYTES + TAIL_BYTES));
    // Everything the bucket sent back during submit (HEAD, GET, COPY, DELETE answers) is a few KiB, not 9 MB.
    expect(responseBytes()).toBeLessThan(64 * 1024);
    expect(exchanges.filter((e) => e.method === "HEAD")).toHaveLength(3);
    expect(exchanges.filter((e) => e.method === "PUT" && e.status === 200)).toHaveLength(3); // the three CopyObject calls

    const rec = (await records.get(id))!;
    expect(rec.status.state).toBe("validated");
    expect(queued).toEqual([id]);
    const docs = rec.documents ?? [];
    expect(docs.map((d) => d.key)).toEqual([
      `download/partner-ops/${id}/01-passport_bio_page.jpg`,
      `download/partner-ops/${id}/02-passport_entry_stamp_page.png`,
      `download/partner-ops/${id}/03-passport_handheld_bio_page.pdf`,
    ]);
    for (const [i, d] of docs.entries()) {
      const stored = await direct.get(d.key);
      expect(Buffer.from(stored.body).equals(files[i]!)).toBe(true);
      expect(stored.contentType).toBe(["image/jpeg", "image/png", "application/pdf"][i]);
      expect(d.size).toBe(files[i]!.length);
      expect(d.etag).toBe(stored.etag?.replace(/"/g, ""));
      expect(d).not.toHaveProperty("sha256");
    }
    expect(await direct.list(`incoming/partner-ops/${id}/`)).toEqual([]);
  });

  it("answers 422 for a disguised, a wrong-type and an oversize upload reading only 2 KiB at each end (no GET at all for the oversize one)", async () => {
    const { svc } = service();
    const html = Buffer.from("<!DOCTYPE html><html><body>not a passport</body></html>".padEnd(5000, " "));
    const zip = filled(5000, [0x50, 0x4b, 0x03, 0x04], 0);
    const oversize = pdf(10_000_001);
    const { id, urls } = await created(
      svc,
      uploadApplication([
        { size: html.length, file_name: "scan.jpg", content_type: "image/jpeg" },
        { size: zip.length },
        { size: 9_999_999 },
      ]),
    );
    await putAll(urls, [html, zip, oversize]);

    exchanges = [];
    const r = await svc.submitUploads(id);
    expect(r.statusCode).toBe(422);
    const errors = r.body["errors"] as { field: string; message: string }[];
    expect(errors.map((e) => e.field)).toEqual(ROLES.map((role) => `uploads.${role}`));
    expect(errors[0]!.message).toMatch(/HTML.*named \*\.jpg/);
    expect(errors[1]!.message).toMatch(/ZIP/);
    expect(errors[2]!.message).toMatch(/10,000,001 bytes; the limit is 10,000,000/);
    expect((r.body["uploads"] as unknown[]).length).toBe(3);

    const gets = exchanges.filter((e) => e.method === "GET");
    // the oversize object is judged by its size alone
    expect(gets.map((g) => g.range)).toEqual([...headAndTail(html.length), ...headAndTail(zip.length)]);
    expect(responseBytes("GET")).toBe(2 * (SNIFF_BYTES + TAIL_BYTES));
    expect(await direct.list(`download/partner-ops/${id}/`)).toEqual([]);
    expect(await direct.list(`incoming/partner-ops/${id}/`)).toEqual([]); // rejected uploads are removed
    expect((await records.get(id))!.status.state).toBe("awaiting_uploads");
  });

  it("answers 422 for an empty upload and for a size different from the slot's, reading only the short file's bytes", async () => {
    const { svc } = service();
    const small = jpeg(1500); // shorter than the range: the GET asks for exactly its length
    const { id, urls } = await created(svc, uploadApplication([{ size: 100 }, { size: 1600 }, { size: 1500 }]));
    await putAll(urls, [Buffer.alloc(0), jpeg(1500), small]);

    exchanges = [];
    const r = await svc.submitUploads(id);
    expect(r.statusCode).toBe(422);
    const errors = r.body["errors"] as { field: string; message: string }[];
    expect(errors).toEqual([
      { field: "uploads.passport_bio_page", message: "the file is empty" },
      { field: "uploads.passport_entry_stamp_page", message: "the uploaded file is 1500 bytes but 1600 bytes were declared for this slot" },
    ]);
    const gets = exchanges.filter((e) => e.method === "GET");
    expect(gets.map((g) => g.range)).toEqual(["bytes=0-1499", "bytes=0-1499"]);
    expect(responseBytes("GET")).toBe(3000);
  });

  it("does not publish a file replaced after it was checked: 409 upload_changed, nothing under download/", async () => {
    let replaced = false;
    const { svc } = service((b) => ({
      ...b,
      name: b.name,
      async publish(source, destination, contentType, etag) {
        if (!replaced) {
          replaced = true;
          await direct.put(source, Buffer.from("<html><body>swapped after the check</body></html>"), { contentType: "image/jpeg" });
        }
        return b.publish(source, destination, contentType, etag);
      },
    }));
    const files = [jpeg(4000), png(4000), pdf(4000)];
    const { id, urls } = await created(svc, uploadApplication(files.map((f) => ({ size: f.length }))));
    await putAll(urls, files);
    const r = await svc.submitUploads(id);
    expect(r.statusCode).toBe(409);
    expect(r.body["error"]).toBe("upload_changed");
    expect(await direct.list(`download/partner-ops/${id}/`)).toEqual([]);
    expect((await records.get(id))!.status.state).toBe("awaiting_uploads");
  });
});
