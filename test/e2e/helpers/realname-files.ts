/**
 * Test data and harness pieces of the real-name e2e tests: checksummed credit codes / ID numbers,
 * small files of each type with a recognisable marker inside (so a log scan can look for file
 * contents), unverified sandbox customers, the sandbox's attachment probe, a callback portal stub.
 */
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Sandbox } from "../../../local/sandbox/index.ts";
import { residentIdCheckChar, usccCheckChar } from "../../../shared/realname/index.ts";
import { sampleJpeg, samplePdf, samplePng } from "../../../shared/realname/sample-files.ts";

export const uscc = (body17: string): string => body17 + usccCheckChar(body17);
export const residentId = (body17: string): string => body17 + residentIdCheckChar(body17);

/** Marker written into every generated file (in its comment data; the files are well-formed, shared/realname/sample-files.ts). */
export const FILE_MARKER = "FILECONTENTMARKER";

export const jpeg = (size: number, tag: string, marker = FILE_MARKER): Buffer => sampleJpeg(size, `${marker}-${tag}`);
export const png = (size: number, tag: string, marker = FILE_MARKER): Buffer => samplePng(size, `${marker}-${tag}`);
export const pdf = (size: number, tag: string, marker = FILE_MARKER): Buffer => samplePdf(size, `${marker}-${tag}`);
export const html = (tag: string, marker = FILE_MARKER): Buffer =>
  Buffer.from(`<!DOCTYPE html><html><body><script>alert("${marker}-${tag}")</script></body></html>`.padEnd(3000, " "));
export function zip(tag: string, marker = FILE_MARKER): Buffer {
  const b = Buffer.alloc(3000, 0);
  Buffer.from([0x50, 0x4b, 0x03, 0x04]).copy(b, 0);
  Buffer.from(`${marker}-${tag}`).copy(b, 40);
  return b;
}

// --- harness pieces shared by the real-name and log-scan tests ------------------------------------

/** Hands out sandbox customers that are not verified yet (-1 never, 1 individual), each once. */
export function customerPicker(sb: Sandbox): () => string {
  const used = new Set<string>();
  return () => {
    // Not verified: "-1" none, "1" rejected, "3" verification failed (international site).
    const c = sb.data.customers.find((x) => ["-1", "1", "3"].includes(x.info.verified_status) && !used.has(x.info.customer_id));
    if (!c) throw new Error("sandbox has no unverified customer left");
    used.add(c.info.customer_id);
    return c.info.customer_id;
  };
}

/** The sandbox's `attachmentExists`: HEAD download/<path> in the partner's bucket (the S3 client exists once the engine runs). */
export function obsAttachmentProbe(s3: () => S3Client | undefined, bucket: string): (rel: string) => Promise<{ size: number } | undefined> {
  return async (rel) => {
    try {
      const h = await s3()!.send(new HeadObjectCommand({ Bucket: bucket, Key: `download/${rel}` }));
      return { size: h.ContentLength ?? 0 };
    } catch {
      return undefined;
    }
  };
}

export interface CallbackPortal {
  url: string;
  callbacks: { body: string; signature: string | undefined }[];
  close(): Promise<void>;
}

/** A portal stub on 127.0.0.1 that records the signed real-name callbacks (answers 204). */
export async function callbackPortal(): Promise<CallbackPortal> {
  const callbacks: CallbackPortal["callbacks"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      callbacks.push({ body: Buffer.concat(chunks).toString("utf8"), signature: req.headers["x-partner-ops-signature"] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/realname`,
    callbacks,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
