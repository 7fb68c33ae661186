/**
 * Object storage adapter: one S3 client factory for AWS S3 and Huawei OBS (S3-compatible API via
 * @aws-sdk/client-s3), plus small get/put/list/head helpers and presigned PUT URLs.
 *
 * OBS needs (see the signing-and-obs reference, part C):
 * - `region` = the OBS region id (it is in the SigV4 scope); `endpoint` = https://obs.<region>.…
 *   WITHOUT the bucket; virtual-hosted addressing (forcePathStyle false) — path style can be refused
 *   with VirtualHostDomainRequired; bucket names without dots.
 * - requestChecksumCalculation / responseChecksumValidation = "WHEN_REQUIRED": otherwise SDK v3
 *   sends CRC32 headers, aws-chunked trailer uploads and x-amz-checksum-mode, outside what OBS
 *   documents for V4.
 * - DeleteObjects still gets CRC32 headers under WHEN_REQUIRED and OBS wants Content-MD5: the
 *   `obsCompat` middleware swaps them.
 * - PutObject/UploadPart are signed with x-amz-content-sha256: UNSIGNED-PAYLOAD, one of the two
 *   payload modes OBS documents for V4 (whether OBS accepts a hex payload hash is unconfirmed).
 * The same WHEN_REQUIRED settings are used for AWS S3 (and the local emulator) so that all three
 * paths behave alike; presigned PUT URLs then carry no baked-in checksum of an empty body.
 */
import { createHash } from "node:crypto";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export type StorageKind = "s3" | "obs";

export interface StorageClientOptions {
  kind: StorageKind;
  region: string;
  /** Required for OBS; for S3 leave unset in AWS (AWS_ENDPOINT_URL_S3 is honoured locally). */
  endpoint?: string;
  /** Only for local emulators. OBS wants virtual-hosted addressing. */
  forcePathStyle?: boolean;
  credentials?: S3ClientConfig["credentials"];
  /** OBS only: sign PutObject/UploadPart as UNSIGNED-PAYLOAD. Default true for OBS. */
  unsignedPayload?: boolean;
}

export class StorageError extends Error {
  override name = "StorageError";
}

/** Middleware (build step) that keeps requests inside what OBS documents; harmless for S3. */
export function addObsCompat(client: S3Client, options: { unsignedPayload: boolean }): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = (args as { request?: { headers?: Record<string, string>; body?: unknown } }).request;
      const headers = request?.headers;
      if (headers) {
        if (context.commandName === "DeleteObjectsCommand") {
          for (const k of Object.keys(headers)) if (/^x-amz-(sdk-)?checksum-/i.test(k)) delete headers[k];
          const body = request.body;
          if (typeof body === "string" || body instanceof Uint8Array) {
            headers["content-md5"] = createHash("md5").update(body).digest("base64");
          }
        }
        if (options.unsignedPayload && (context.commandName === "PutObjectCommand" || context.commandName === "UploadPartCommand")) {
          headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
        }
      }
      return next(args);
    },
    { step: "build", name: "obsCompat", priority: "low" },
  );
}

export function createStorageClient(options: StorageClientOptions): S3Client {
  if (options.kind === "obs" && !options.endpoint) {
    throw new StorageError("OBS needs an endpoint (https://obs.<region>.myhuaweicloud.com, without the bucket)");
  }
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  if (options.kind === "obs") addObsCompat(client, { unsignedPayload: options.unsignedPayload ?? true });
  return client;
}

export interface StoredObject {
  body: Uint8Array;
  contentType: string | undefined;
  contentLength: number;
  etag: string | undefined;
  metadata: Record<string, string>;
  lastModified: Date | undefined;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string | undefined;
  lastModified: Date | undefined;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Only write if no object exists under the key (S3 If-None-Match: *). */
  ifNoneMatch?: boolean;
}

export interface Bucket {
  readonly name: string;
  get(key: string): Promise<StoredObject>;
  /** undefined when the object does not exist. */
  head(key: string): Promise<Omit<StoredObject, "body"> | undefined>;
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string | undefined }>;
  /** All objects under a prefix (pages through the listing). ListObjects v1 for OBS (works on PFS buckets), v2 for S3. */
  list(prefix?: string, options?: { limit?: number }): Promise<ObjectSummary[]>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Server-side copy of an object of this bucket to another key of this bucket (no download; objects up to 5 GB).
   * `sourceIfMatch` (an ETag): copy only if the source still has it, else the request fails with HTTP 412.
   */
  copy(
    sourceKey: string,
    destinationKey: string,
    options?: { contentType?: string; metadata?: Record<string, string>; sourceIfMatch?: string },
  ): Promise<{ etag: string | undefined }>;
  /** Presigned PUT URL; the uploader must send the same Content-Type if one is given. */
  presignPut(key: string, options?: { expiresInSeconds?: number; contentType?: string }): Promise<string>;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

export function bucket(client: S3Client, name: string, kind: StorageKind = "s3"): Bucket {
  return {
    name,
    async get(key) {
      const res = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
      if (!res.Body) throw new StorageError(`object ${key} in ${name} has no body`);
      const body = await res.Body.transformToByteArray();
      return {
        body,
        contentType: res.ContentType,
        contentLength: res.ContentLength ?? body.byteLength,
        etag: res.ETag,
        metadata: res.Metadata ?? {},
        lastModified: res.LastModified,
      };
    },
    async head(key) {
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: name, Key: key }));
        return { contentType: res.ContentType, contentLength: res.ContentLength ?? 0, etag: res.ETag, metadata: res.Metadata ?? {}, lastModified: res.LastModified };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async put(key, body, options = {}) {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      const res = await client.send(
        new PutObjectCommand({
          Bucket: name,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.metadata ? { Metadata: options.metadata } : {}),
          ...(options.ifNoneMatch ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return { etag: res.ETag };
    },
    async list(prefix = "", options = {}) {
      const out: ObjectSummary[] = [];
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      if (kind === "obs") {
        let marker: string | undefined;
        do {
          const res = await client.send(new ListObjectsCommand({ Bucket: name, Prefix: prefix, ...(marker ? { Marker: marker } : {}) }));
          for (const o of res.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified });
          marker = res.IsTruncated ? (res.NextMarker ?? res.Contents?.at(-1)?.Key) : undefined;
        } while (marker && out.length < limit);
      } else {
        let token: string | undefined;
        do {
          const res = await client.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
          for (const o of res.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified });
          token = res.IsTruncated ? res.NextContinuationToken : undefined;
        } while (token && out.length < limit);
      }
      return out.slice(0, limit);
    },
    async deleteMany(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        const res = await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
        if (res.Errors && res.Errors.length > 0) throw new StorageError(`${res.Errors.length} object(s) not deleted from ${name}`);
      }
    },
    async copy(sourceKey, destinationKey, options = {}) {
      // CopySource is "<bucket>/<key>" with the key URL-encoded (slashes kept).
      const source = `${name}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`;
      const replace = options.contentType !== undefined || options.metadata !== undefined;
      const res = await client.send(
        new CopyObjectCommand({
          Bucket: name,
          Key: destinationKey,
          CopySource: source,
          ...(replace ? { MetadataDirective: "REPLACE" as const } : {}),
          ...(options.contentType ? { ContentType: options.contentType } : {}),
          ...(options.metadata ? { Metadata: options.metadata } : {}),
          ...(options.sourceIfMatch ? { CopySourceIfMatch: options.sourceIfMatch } : {}),
        }),
      );
      return { etag: res.CopyObjectResult?.ETag };
    },
    presignPut(key, options = {}) {
      const command = new PutObjectCommand({ Bucket: name, Key: key, ...(options.contentType ? { ContentType: options.contentType } : {}) });
      // A presigned URL carries UNSIGNED-PAYLOAD in its own query; drop the OBS header so it is not
      // hoisted into the query a second time.
      command.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers;
          if (headers) delete headers["x-amz-content-sha256"];
          return next(args);
        },
        { step: "build", name: "presignDropPayloadHeader", priority: "low" },
      );
      return getSignedUrl(client, command, { expiresIn: options.expiresInSeconds ?? 900 });
    },
  };
}

/** Storage settings from the validated config (shared/config): the S3 side and the OBS side. */
export interface StorageConfigLike {
  AWS_REGION: string;
  S3_FORCE_PATH_STYLE: boolean;
  OBS_ENDPOINT?: string | undefined;
  OBS_REGION?: string | undefined;
}

/** AWS S3 (or the local emulator through AWS_ENDPOINT_URL_S3). */
export function s3ClientFromConfig(config: StorageConfigLike): S3Client {
  return createStorageClient({ kind: "s3", region: config.AWS_REGION, forcePathStyle: config.S3_FORCE_PATH_STYLE });
}

/** Huawei OBS with the partner's OBS keys (resolve them with config.secrets first). */
export function obsClientFromConfig(config: StorageConfigLike, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): S3Client {
  if (!config.OBS_ENDPOINT || !config.OBS_REGION) throw new StorageError("OBS_ENDPOINT and OBS_REGION must be set to use OBS");
  return createStorageClient({
    kind: "obs",
    region: config.OBS_REGION,
    endpoint: config.OBS_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials,
  });
}
