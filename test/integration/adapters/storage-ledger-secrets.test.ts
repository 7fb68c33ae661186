import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fauxqsEndpoint, localCredentials, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { bucket, createStorageClient } from "../../../shared/storage/index.ts";
import { createDocumentClient, createLedger, LedgerError } from "../../../shared/ledger/index.ts";
import { createSecretStore, SecretError } from "../../../shared/config/secrets.ts";

let fauxqs: FauxqsServer;
let dynamo: LocalDynamo;

beforeAll(async () => {
  fauxqs = await startLocalFauxqs();
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await fauxqs?.stop();
  await dynamo?.close();
});

async function listen(handler: (req: IncomingMessage, body: Buffer) => { status: number; body: string; headers?: Record<string, string> }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const out = handler(req, Buffer.concat(chunks));
      res.writeHead(out.status, out.headers ?? { "content-type": "application/xml" });
      res.end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("storage adapter", () => {
  it("puts, heads, gets, lists and deletes against the S3 emulator, and a presigned PUT works", async () => {
    fauxqs.createBucket("store-test");
    const client = createStorageClient({ kind: "s3", region: "us-east-1", endpoint: fauxqsEndpoint(fauxqs), forcePathStyle: true, credentials: localCredentials() });
    const b = bucket(client, "store-test");
    await b.put("a/one.txt", "héllo", { contentType: "text/plain", metadata: { origin: "test" } });
    await b.put("a/two.bin", new Uint8Array([0, 1, 2, 255]));
    await b.put("b/three.txt", "3");
    const one = await b.get("a/one.txt");
    expect(new TextDecoder().decode(one.body)).toBe("héllo");
    expect(one.contentType).toBe("text/plain");
    expect(one.metadata).toEqual({ origin: "test" });
    expect((await b.head("a/two.bin"))?.contentLength).toBe(4);
    expect(await b.head("missing")).toBeUndefined();
    expect((await b.list("a/")).map((o) => o.key)).toEqual(["a/one.txt", "a/two.bin"]);

    const url = await b.presignPut("upload/x.pdf", { contentType: "application/pdf", expiresInSeconds: 60 });
    expect(url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    const put = await fetch(url, { method: "PUT", body: "%PDF-1.4", headers: { "content-type": "application/pdf" } });
    expect(put.status).toBe(200);
    expect(new TextDecoder().decode((await b.get("upload/x.pdf")).body)).toBe("%PDF-1.4");

    await b.deleteMany(["a/one.txt", "a/two.bin"]);
    expect((await b.list("a/")).length).toBe(0);
    client.destroy();
  });

  it("OBS mode: virtual-hosted capable client, UNSIGNED-PAYLOAD puts, Content-MD5 and no CRC32 on DeleteObjects", async () => {
    const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: Buffer }[] = [];
    const { server, url } = await listen((req, body) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.method === "POST") return { status: 200, body: '<?xml version="1.0"?><DeleteResult></DeleteResult>' };
      return { status: 200, body: "", headers: { etag: '"abc"' } };
    });
    try {
      // An IP endpoint makes the SDK fall back to path style; the settings under test are unchanged.
      const client = createStorageClient({ kind: "obs", region: "ap-southeast-1", endpoint: url, credentials: { accessKeyId: "AK", secretAccessKey: "SK" } });
      const b = bucket(client, "partner-bucket", "obs");
      await b.put("download/test/a.jpg", new Uint8Array([1, 2, 3]), { contentType: "image/jpeg" });
      await b.deleteMany(["download/test/a.jpg", "download/test/b.jpg"]);
      const put = seen.find((s) => s.method === "PUT")!;
      expect(put.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
      expect(Object.keys(put.headers).some((h) => /checksum/.test(h))).toBe(false);
      expect(put.headers["authorization"]).toMatch(/Credential=AK\/\d{8}\/ap-southeast-1\/s3\/aws4_request/);
      // Presigned PUT: only host signed, UNSIGNED-PAYLOAD once, no checksum baked in; the put itself still works.
      const presigned = new URL(await b.presignPut("download/test/c.jpg", { contentType: "image/jpeg" }));
      expect(presigned.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
      expect([...presigned.searchParams.keys()].filter((k) => k.toLowerCase() === "x-amz-content-sha256")).toEqual(["X-Amz-Content-Sha256"]);
      expect([...presigned.searchParams.keys()].some((k) => /checksum/i.test(k))).toBe(false);
      const del = seen.find((s) => s.method === "POST")!;
      expect(Object.keys(del.headers).some((h) => /checksum/.test(h))).toBe(false);
      expect(del.headers["content-md5"]).toBe(createHash("md5").update(del.body).digest("base64"));
      client.destroy();
    } finally {
      server.close();
    }
  });
});

describe("ledger adapter (dynalite)", () => {
  it("claims once, completes, releases only unfinished claims, and re-claims stale ones", async () => {
    const ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
    await ddb.send(new CreateTableCommand({ TableName: "ledger", BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }] }));
    let clock = new Date("2026-03-01T00:00:00Z");
    const ledger = createLedger({ tableName: "ledger", client: createDocumentClient(ddb), now: () => clock });

    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ledger.claim("job#1", { who: "x" })));
    expect(outcomes.filter((o) => o === "new").length).toBe(1);
    expect(outcomes.filter((o) => o === "busy").length).toBe(7); // claimed, not completed: never "done"
    const rec = await ledger.get("job#1");
    expect(rec?.status).toBe("claimed");
    expect(rec?.expiresAt).toBe(Math.floor(clock.getTime() / 1000) + 400 * 86_400);

    await ledger.complete("job#1", { messageId: "m1" });
    await ledger.complete("job#1"); // idempotent
    expect((await ledger.get("job#1"))?.result).toEqual({ messageId: "m1" });
    await ledger.release("job#1"); // never drops a done record
    expect((await ledger.get("job#1"))?.status).toBe("done");
    expect(await ledger.claim("job#1")).toBe("done");

    await expect(ledger.complete("never-claimed")).rejects.toBeInstanceOf(LedgerError);

    expect(await ledger.claim("job#2")).toBe("new");
    await ledger.release("job#2");
    expect(await ledger.claim("job#2")).toBe("new");
    expect(await ledger.claim("job#2", undefined, { staleAfterSeconds: 60 })).toBe("busy");
    clock = new Date(clock.getTime() + 120_000);
    expect(await ledger.claim("job#2", undefined, { staleAfterSeconds: 60 })).toBe("new");
    ddb.destroy();
  });
});

describe("secret store via the Parameters and Secrets extension protocol", () => {
  it("reads SSM and Secrets Manager references with the session token, caches, and never caches failures", async () => {
    const hits: string[] = [];
    let fail = false;
    const { server, url } = await listen((req) => {
      hits.push(req.url ?? "");
      if (req.headers["x-aws-parameters-secrets-token"] !== "session-token") return { status: 401, body: "" };
      if (fail) return { status: 500, body: "" };
      const u = new URL(req.url ?? "", "http://x");
      if (u.pathname === "/systemsmanager/parameters/get" && u.searchParams.get("withDecryption") === "true") {
        return { status: 200, body: JSON.stringify({ Parameter: { Name: u.searchParams.get("name"), Value: `ssm-value-of-${u.searchParams.get("name")}` } }), headers: { "content-type": "application/json" } };
      }
      if (u.pathname === "/secretsmanager/get") return { status: 200, body: JSON.stringify({ SecretString: JSON.stringify({ ak: "AK1", sk: "SK1" }) }), headers: { "content-type": "application/json" } };
      return { status: 404, body: "" };
    });
    const port = Number(new URL(url).port);
    try {
      const env = { AWS_SESSION_TOKEN: "session-token", HWC_AK_REF: "secretsmanager:po/hwc#ak", HWC_SK_REF: "secretsmanager:po/hwc#sk", WEBHOOK_SECRET_REF: "ssm:/po/webhook", OBS_SK_REF: "secretsmanager:po/hwc#nope" };
      const store = createSecretStore({ env, port, host: "127.0.0.1" });
      expect(await store.get("HWC_AK")).toBe("AK1");
      expect(await store.get("HWC_SK")).toBe("SK1");
      expect(await store.get("WEBHOOK_SECRET")).toBe("ssm-value-of-/po/webhook");
      expect(await store.get("WEBHOOK_SECRET")).toBe("ssm-value-of-/po/webhook");
      expect(hits.filter((h) => h.includes("parameters")).length).toBe(1); // cached
      await expect(store.get("OBS_SK")).rejects.toThrow(/no string key "nope"/);
      await expect(store.get("OBS_AK")).rejects.toBeInstanceOf(SecretError);

      fail = true;
      const failing = createSecretStore({ env, port, host: "127.0.0.1" });
      await expect(failing.get("WEBHOOK_SECRET")).rejects.toThrow(/HTTP 500/);
      fail = false;
      expect(await failing.get("WEBHOOK_SECRET")).toBe("ssm-value-of-/po/webhook");

      const noToken = createSecretStore({ env: { WEBHOOK_SECRET_REF: "ssm:/x" }, port, host: "127.0.0.1" });
      await expect(noToken.get("WEBHOOK_SECRET")).rejects.toThrow(/AWS_SESSION_TOKEN/);
    } finally {
      server.close();
    }
  });
});
