/** Bucket.copy (added for the invoice-email quarantine): server-side copy on the S3 emulator. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fauxqsEndpoint, localCredentials, startLocalFauxqs, type FauxqsServer } from "../../../local/engine/emulators.ts";
import { bucket, createStorageClient } from "../../../shared/storage/index.ts";

let fauxqs: FauxqsServer;
beforeAll(async () => {
  fauxqs = await startLocalFauxqs();
  fauxqs.createBucket("copy-test");
});
afterAll(async () => {
  await fauxqs?.stop();
});

describe("storage adapter copy", () => {
  it("copies bytes to a new key (keys with spaces and non-ASCII too), optionally replacing the content type; the source stays", async () => {
    const client = createStorageClient({ kind: "s3", region: "us-east-1", endpoint: fauxqsEndpoint(fauxqs), forcePathStyle: true, credentials: localCredentials() });
    const b = bucket(client, "copy-test");
    const bytes = new Uint8Array([0, 1, 2, 200, 255, 10, 13]);
    await b.put("inbound/a b/发票+1", bytes, { contentType: "application/octet-stream" });
    await b.copy("inbound/a b/发票+1", "quarantine/x/message.eml", { contentType: "message/rfc822" });
    const copy = await b.get("quarantine/x/message.eml");
    expect(Buffer.from(copy.body).equals(Buffer.from(bytes))).toBe(true);
    expect(copy.contentType).toBe("message/rfc822");
    expect(await b.head("inbound/a b/发票+1")).toBeDefined();
    await b.copy("quarantine/x/message.eml", "quarantine/x/again.eml");
    expect(Buffer.from((await b.get("quarantine/x/again.eml")).body).equals(Buffer.from(bytes))).toBe(true);
    await expect(b.copy("missing", "quarantine/y")).rejects.toThrow();
  });
});
