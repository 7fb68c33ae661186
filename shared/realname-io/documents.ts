/**
 * The partner's OBS bucket for real-name attachments, through the S3-compatible client of
 * shared/storage (createStorageClient kind "obs"). No server-side-encryption headers are ever
 * sent: Huawei cannot read objects encrypted with the partner's keys (signing-and-obs.md C.5/C.7).
 *
 * A staged upload is never downloaded: `peek` takes its size and ETag from HeadObject and its
 * first SNIFF_BYTES and last TAIL_BYTES from ranged GETs (`Range: bytes=0-2047` and
 * `bytes=-2048`, each `If-Match` the ETag of the HEAD), which is all the content and structure
 * checks need; `publish` then copies it server-side to its final key,
 * only while the source still has that ETag, so a file replaced in between is never published.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { bucket as bucketOf, type Bucket } from "../storage/index.ts";
import { SNIFF_BYTES } from "../realname/files.ts";
import { TAIL_BYTES } from "../realname/structure.ts";

export class StagedObjectChangedError extends Error {
  override name = "StagedObjectChangedError";
  constructor() {
    super("the uploaded file changed while it was being checked; submit again");
  }
}

/** What the content checks need of a staged object, read without downloading it. */
export interface StagedObject {
  /** ContentLength from HeadObject. */
  size: number;
  /** The first min(size, SNIFF_BYTES) bytes; empty when the size alone decides (empty or over the limit). */
  prefix: Uint8Array;
  /** The last min(size, TAIL_BYTES) bytes (the prefix itself when that is the whole file). */
  tail: Uint8Array;
  /** ETag (quotes removed, lower case) the prefix was read under. */
  etag: string | undefined;
}

export interface PartnerBucket {
  readonly name: string;
  put(key: string, body: Uint8Array, contentType: string): Promise<{ etag: string | undefined }>;
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
  /**
   * Size (HEAD) and first bytes (one ranged GET) of an object; undefined when nothing was uploaded
   * under the key. No GET is made when the size alone decides: 0 bytes, or more than `maxBytes`.
   * Throws StagedObjectChangedError when the object is replaced between the HEAD and the GET.
   */
  peek(key: string, options?: { maxBytes?: number }): Promise<StagedObject | undefined>;
  /** Server-side copy; throws StagedObjectChangedError when the source no longer has `expectedEtag`. */
  publish(sourceKey: string, destinationKey: string, contentType: string, expectedEtag: string | undefined): Promise<{ etag: string | undefined }>;
  list(prefix: string): Promise<string[]>;
  deleteMany(keys: readonly string[]): Promise<void>;
}

const statusOf = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isPreconditionFailed = (err: unknown): boolean => statusOf(err) === 412 || (err as { name?: string }).name === "PreconditionFailed";

export const normaliseEtag = (e: string | undefined): string | undefined => e?.replace(/"/g, "").toLowerCase();

/** Reads at most `limit` bytes of a response body, then stops the download. */
async function readAtMost(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let n = 0;
  try {
    for await (const chunk of body) {
      const take = Math.min(limit - n, chunk.length);
      out.set(chunk.subarray(0, take), n);
      n += take;
      // A server that ignored the Range header would send the whole object: stop reading here.
      if (n >= limit) break;
    }
  } finally {
    body.destroy?.();
  }
  return out.subarray(0, n);
}

export function partnerBucket(client: S3Client, name: string): PartnerBucket {
  const b: Bucket = bucketOf(client, name, "obs");
  return {
    name,
    async put(key, body, contentType) {
      const r = await b.put(key, body, { contentType });
      return { etag: normaliseEtag(r.etag) };
    },
    presignPut(key, expiresInSeconds) {
      return b.presignPut(key, { expiresInSeconds });
    },
    async peek(key, peekOptions = {}) {
      const head = await b.head(key);
      if (!head) return undefined;
      const size = head.contentLength;
      const etag = normaliseEtag(head.etag);
      const none = new Uint8Array(0);
      if (size === 0 || size > (peekOptions.maxBytes ?? Number.POSITIVE_INFINITY)) return { size, prefix: none, tail: none, etag };
      const range = async (from: number, length: number): Promise<Uint8Array> => {
        let res;
        try {
          res = await client.send(
            new GetObjectCommand({ Bucket: name, Key: key, Range: `bytes=${from}-${from + length - 1}`, ...(head.etag ? { IfMatch: head.etag } : {}) }),
          );
        } catch (err) {
          // Replaced (412) or removed (404) since the HEAD.
          if (isPreconditionFailed(err) || statusOf(err) === 404) throw new StagedObjectChangedError();
          throw err;
        }
        return res.Body ? readAtMost(res.Body as AsyncIterable<Uint8Array> & { destroy?: () => void }, length) : none;
      };
      const want = Math.min(size, SNIFF_BYTES);
      const prefix = await range(0, want);
      if (size <= SNIFF_BYTES) return { size, prefix, tail: prefix, etag };
      const tailFrom = Math.max(SNIFF_BYTES, size - TAIL_BYTES);
      const rest = await range(tailFrom, size - tailFrom);
      const tail = tailFrom === size - TAIL_BYTES ? rest : Buffer.concat([prefix.subarray(prefix.length - (TAIL_BYTES - rest.length)), rest]);
      return { size, prefix, tail, etag };
    },
    async publish(sourceKey, destinationKey, contentType, expectedEtag) {
      let res;
      try {
        res = await b.copy(sourceKey, destinationKey, { contentType, ...(expectedEtag ? { sourceIfMatch: `"${expectedEtag}"` } : {}) });
      } catch (err) {
        if (isPreconditionFailed(err) || statusOf(err) === 404) throw new StagedObjectChangedError();
        throw err;
      }
      const got = normaliseEtag(res.etag);
      if (expectedEtag && got && got !== expectedEtag) {
        // A single-part object keeps its ETag (the MD5 of its bytes) through a copy; anything else is another object.
        await b.deleteMany([destinationKey]);
        throw new StagedObjectChangedError();
      }
      return { etag: got };
    },
    async list(prefix) {
      return (await b.list(prefix)).map((o) => o.key);
    },
    deleteMany(keys) {
      return keys.length === 0 ? Promise.resolve() : b.deleteMany(keys);
    },
  };
}
