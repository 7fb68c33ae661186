/**
 * The partner's OBS bucket for real-name attachments, through the S3-compatible client of
 * shared/storage (createStorageClient kind "obs"). No server-side-encryption headers are ever
 * sent: Huawei cannot read objects encrypted with the partner's keys (signing-and-obs.md C.5/C.7).
 *
 * Staged uploads are read as a stream through the content inspector (nothing but a 2 KiB prefix
 * is kept in memory), then copied server-side to their final key; the copy's ETag must equal the
 * ETag of the bytes inspected, so a file replaced in between is never published.
 */
import { CopyObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { bucket as bucketOf, type Bucket } from "../storage/index.ts";
import { inspectStream, type InspectionResult, type InspectorOptions } from "../realname/files.ts";

export class StagedObjectChangedError extends Error {
  override name = "StagedObjectChangedError";
}

export interface PartnerBucket {
  readonly name: string;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
  /** undefined when nothing was uploaded under the key. */
  inspect(key: string, options: InspectorOptions): Promise<{ inspection: InspectionResult; etag: string | undefined } | undefined>;
  /** Server-side copy; throws StagedObjectChangedError when the source is no longer the inspected object. */
  publish(sourceKey: string, destinationKey: string, contentType: string, expectedEtag: string | undefined): Promise<void>;
  list(prefix: string): Promise<string[]>;
  deleteMany(keys: readonly string[]): Promise<void>;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

const normaliseEtag = (e: string | undefined): string | undefined => e?.replace(/"/g, "").toLowerCase();

export function partnerBucket(client: S3Client, name: string): PartnerBucket {
  const b: Bucket = bucketOf(client, name, "obs");
  return {
    name,
    async put(key, body, contentType) {
      await b.put(key, body, { contentType });
    },
    presignPut(key, expiresInSeconds) {
      return b.presignPut(key, { expiresInSeconds });
    },
    async inspect(key, options) {
      let res;
      try {
        res = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const body = res.Body as Readable | undefined;
      if (!body) return undefined;
      try {
        const inspection = await inspectStream(body, options);
        return { inspection, etag: normaliseEtag(res.ETag) };
      } finally {
        // Stop the download when the inspector gave up early.
        if (!body.destroyed) body.destroy();
      }
    },
    async publish(sourceKey, destinationKey, contentType, expectedEtag) {
      const source = `${name}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`;
      const res = await client.send(
        new CopyObjectCommand({
          Bucket: name,
          Key: destinationKey,
          CopySource: source,
          ...(expectedEtag ? { CopySourceIfMatch: `"${expectedEtag}"` } : {}),
          MetadataDirective: "REPLACE",
          ContentType: contentType,
        }),
      ).catch((err: unknown) => {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) throw new StagedObjectChangedError("the uploaded file changed while it was being checked");
        throw err;
      });
      const got = normaliseEtag(res.CopyObjectResult?.ETag);
      if (expectedEtag && got && got !== expectedEtag) {
        await b.deleteMany([destinationKey]);
        throw new StagedObjectChangedError("the uploaded file changed while it was being checked");
      }
    },
    async list(prefix) {
      return (await b.list(prefix)).map((o) => o.key);
    },
    deleteMany(keys) {
      return keys.length === 0 ? Promise.resolve() : b.deleteMany(keys);
    },
  };
}
