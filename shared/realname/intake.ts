/**
 * Content checks that come after the body is valid: inline files (decoded by validateApplication)
 * and uploaded files (inspected while streaming). Failures here are "unprocessable" (HTTP 422),
 * not "malformed" (400); they use the same `{ field, message }` shape.
 */
import type { Application, FieldError, InlineAttachment, UploadSlotRequest } from "./application.ts";
import type { DocumentRole } from "./documents.ts";
import { checkFile, type FileCheckResult, type FileType, type InspectionResult } from "./files.ts";

export interface CheckedFile {
  role: DocumentRole;
  type: FileType;
  /** Content-Type to store it with. */
  contentType: string;
  size: number;
  warnings: string[];
}

export type InlineCheckResult =
  | { ok: true; files: (CheckedFile & { content: Buffer })[]; fileTypes: Partial<Record<DocumentRole, FileType>> }
  | { ok: false; errors: FieldError[] };

/** Checks every inline file by its bytes; reports every bad file, as `attachments.files[i].content_base64`. */
export function checkInlineAttachments(application: Application, options: { onMismatch?: "reject" | "warn" } = {}): InlineCheckResult {
  if (application.attachments.mode !== "inline") throw new TypeError("checkInlineAttachments needs an inline application");
  const errors: FieldError[] = [];
  const files: (CheckedFile & { content: Buffer })[] = [];
  const fileTypes: Partial<Record<DocumentRole, FileType>> = {};
  application.attachments.files.forEach((f: InlineAttachment, i) => {
    const r = checkFile({
      prefix: f.content,
      size: f.content.length,
      declaredContentType: f.content_type,
      fileName: f.file_name,
      ...(options.onMismatch ? { onMismatch: options.onMismatch } : {}),
    });
    if (!r.ok) {
      errors.push({ field: `attachments.files[${i}].content_base64`, message: r.message });
      return;
    }
    files.push({ role: f.role, type: r.type, contentType: r.mime, size: r.size, warnings: r.warnings, content: f.content });
    fileTypes[f.role] = r.type;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, files, fileTypes };
}

/**
 * Judges one uploaded file from its streaming inspection: the content check, plus the size the
 * portal declared for the slot (a different size means a different or truncated file).
 */
export function checkUploadedFile(slot: UploadSlotRequest, inspection: InspectionResult): FileCheckResult {
  if (!inspection.check.ok) return inspection.check;
  if (inspection.size !== slot.size) {
    return { ok: false, reason: "size_mismatch", message: `the uploaded file is ${inspection.size} bytes but ${slot.size} bytes were declared for this slot` };
  }
  return inspection.check;
}

/**
 * Judges one staged upload from what the store can tell without downloading it: its size (from
 * the object's metadata), its first bytes (at least SNIFF_BYTES, or the whole file when
 * shorter) and its last TAIL_BYTES (end marker: nothing may follow the image or the PDF). Same checks and messages as {@link checkUploadedFile}: empty, too large, type by
 * content, declared type/name consistent with the content, then the size declared for the slot.
 */
export function checkStagedUpload(slot: UploadSlotRequest, object: { prefix: Uint8Array; tail?: Uint8Array | undefined; size: number }): FileCheckResult {
  const check = checkFile({ prefix: object.prefix, tail: object.tail, size: object.size, ...inspectorOptionsForSlot(slot) });
  if (!check.ok) return check;
  if (object.size !== slot.size) {
    return { ok: false, reason: "size_mismatch", message: `the uploaded file is ${object.size} bytes but ${slot.size} bytes were declared for this slot` };
  }
  return check;
}

/** Convenience for the upload flow: the inspector options for a slot (declared type and name are compared, never trusted). */
export function inspectorOptionsForSlot(slot: UploadSlotRequest): { declaredContentType?: string; fileName?: string } {
  return {
    ...(slot.content_type !== undefined ? { declaredContentType: slot.content_type } : {}),
    ...(slot.file_name !== undefined ? { fileName: slot.file_name } : {}),
  };
}
