/**
 * Application ids and object keys. Keys are built only from service-controlled parts: a
 * configured prefix, an id the service generated, the document's position and role, and the
 * extension of the type sniffed from the content. Nothing the caller sent (file names, declared
 * types) ever reaches a key.
 *
 * Final objects live under the bucket's `download/` folder (BSS reads them from there and takes
 * the path relative to it, bss-api.md §8/§11):
 *   download/<prefix>/<application id>/<nn>-<role>.<ext>   →  BSS path  <prefix>/<application id>/<nn>-<role>.<ext>
 * Presigned uploads land outside that folder first, so unchecked bytes are never where Huawei
 * reads them:
 *   incoming/<prefix>/<application id>/<nn>-<role>
 */
import { randomBytes } from "node:crypto";
import { requiredDocuments, type DocumentRole, type DocumentSelector, type HwcSite } from "./documents.ts";
import { FILE_TYPE_INFO, type FileType } from "./files.ts";

export const DOWNLOAD_FOLDER = "download";
export const INCOMING_FOLDER = "incoming";

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

// ---------------------------------------------------------------------------------------------
// Application ids: UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits.

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface IdOptions {
  /** Milliseconds since the epoch (default Date.now()). */
  now?: number;
  /** Source of random bytes (default node:crypto randomBytes). */
  random?: (n: number) => Uint8Array;
}

/** A new application id: a lower-case UUIDv7, sortable by creation time and safe in keys and URLs. */
export function newApplicationId(options: IdOptions = {}): string {
  const now = options.now ?? Date.now();
  if (!Number.isSafeInteger(now) || now < 0 || now >= 2 ** 48) throw new RangeError("timestamp out of range for UUIDv7");
  const b = Buffer.from((options.random ?? randomBytes)(16));
  if (b.length < 16) throw new RangeError("random source returned fewer than 16 bytes");
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function isApplicationId(value: string): boolean {
  return UUID_V7.test(value);
}

/** When the id was generated. */
export function applicationIdTime(id: string): Date {
  if (!isApplicationId(id)) throw new KeyError("not an application id");
  return new Date(parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}

// ---------------------------------------------------------------------------------------------
// Keys

const PREFIX_SEGMENT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A configured key prefix: 1–4 segments of lower-case letters, digits, `-` and `_`, separated by `/`. */
export function checkKeyPrefix(prefix: string): string {
  const segments = prefix.split("/");
  if (segments.length > 4 || !segments.every((s) => PREFIX_SEGMENT.test(s))) {
    throw new KeyError("key prefix must be 1-4 '/'-separated segments of a-z, 0-9, '-' and '_' (no leading or trailing '/')");
  }
  return prefix;
}

export interface PlannedObject {
  /** 1-based position in `verified_file_url`. */
  position: number;
  role: DocumentRole;
  type: FileType;
  /** Full object key in the partner bucket, under `download/`. */
  key: string;
  /** The same key relative to `download/`, as BSS wants it. */
  bssPath: string;
  /** Content-Type to store the object with (from the sniffed type). */
  contentType: string;
}

function checkId(applicationId: string): void {
  if (!isApplicationId(applicationId)) throw new KeyError("application id must be a service-generated UUIDv7");
}

function stem(position: number, role: DocumentRole): string {
  return `${String(position).padStart(2, "0")}-${role}`;
}

/**
 * Keys for every document of an application, in BSS order. `fileTypes` gives the sniffed type of
 * each role's file; it must name exactly the roles {@link requiredDocuments} returns.
 */
export function planObjectKeys(input: {
  prefix: string;
  applicationId: string;
  application: DocumentSelector;
  fileTypes: Partial<Record<DocumentRole, FileType>>;
  /** The partner's Huawei site (default "cn"): selects the document rules. */
  site?: HwcSite;
}): PlannedObject[] {
  checkKeyPrefix(input.prefix);
  checkId(input.applicationId);
  const roles = requiredDocuments(input.application, input.site);
  const extra = Object.keys(input.fileTypes).filter((r) => !roles.includes(r as DocumentRole));
  if (extra.length > 0) throw new KeyError(`documents not needed by this application: ${extra.join(", ")}`);
  return roles.map((role, i) => {
    const type = input.fileTypes[role];
    if (type === undefined) throw new KeyError(`no file for required document ${role}`);
    const info = FILE_TYPE_INFO[type];
    const bssPath = `${input.prefix}/${input.applicationId}/${stem(i + 1, role)}.${info.ext}`;
    return { position: i + 1, role, type, key: `${DOWNLOAD_FOLDER}/${bssPath}`, bssPath, contentType: info.mime };
  });
}

export interface UploadSlotKey {
  position: number;
  role: DocumentRole;
  /** Where the presigned PUT writes, outside `download/`. */
  key: string;
}

/** Staging keys for presigned uploads, one per required document, in BSS order. */
export function planUploadSlotKeys(input: { prefix: string; applicationId: string; application: DocumentSelector; site?: HwcSite }): UploadSlotKey[] {
  checkKeyPrefix(input.prefix);
  checkId(input.applicationId);
  return requiredDocuments(input.application, input.site).map((role, i) => ({
    position: i + 1,
    role,
    key: `${INCOMING_FOLDER}/${input.prefix}/${input.applicationId}/${stem(i + 1, role)}`,
  }));
}

/** Every key of one application starts with one of these (for listing/purging after retention). */
export function applicationKeyPrefixes(prefix: string, applicationId: string): string[] {
  checkKeyPrefix(prefix);
  checkId(applicationId);
  return [`${DOWNLOAD_FOLDER}/${prefix}/${applicationId}/`, `${INCOMING_FOLDER}/${prefix}/${applicationId}/`];
}

/** `download/a/b.jpg` → `a/b.jpg`. */
export function bssPathForKey(key: string): string {
  const lead = `${DOWNLOAD_FOLDER}/`;
  if (!key.startsWith(lead) || key.length === lead.length) throw new KeyError("object key is not under download/");
  return key.slice(lead.length);
}
