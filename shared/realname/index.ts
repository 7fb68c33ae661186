/**
 * Real-name attachment upload: the I/O-free parts (validation, file checks, keys, BSS request,
 * state machine, redaction). Adapters and handlers wire these to HTTP, storage, queues and BSS.
 */
export { USCC_ALPHABET, normalizeUscc, usccCheckChar, validateUscc } from "./uscc.ts";
export type { UsccFailure, UsccResult } from "./uscc.ts";
export { MIN_BIRTH_YEAR, PROVINCE_CODES, normalizeResidentId, residentIdCheckChar, validateResidentId } from "./resident-id.ts";
export type { ResidentIdFailure, ResidentIdOptions, ResidentIdResult } from "./resident-id.ts";
export { DOCUMENT_ROLES, DOCUMENT_ROLE_LABELS, HWC_SITES, VERIFIED_TYPES, requiredDocuments } from "./documents.ts";
export type { DocumentRole, DocumentSelector, HwcSite, VerifiedType } from "./documents.ts";
export {
  APPLICATION_TYPES,
  CERTIFICATE_TYPES,
  MAX_FILES,
  MAX_INLINE_TOTAL_BYTES,
  applicationSchemas,
  formatPath,
  validateApplication,
} from "./application.ts";
export type {
  Application,
  ApplicationType,
  Attachments,
  BankCardInfo,
  CertificateType,
  EnterpriseApplication,
  EnterprisePerson,
  FieldError,
  IndividualBankCardApplication,
  IndividualCertificateApplication,
  InlineAttachment,
  UploadSlotRequest,
  ValidateOptions,
  ValidationResult,
} from "./application.ts";
export {
  ACCEPTED_CONTENT_TYPES,
  FILE_TYPES,
  FILE_TYPE_INFO,
  FileRejectedError,
  MAX_FILE_BYTES,
  SNIFF_BYTES,
  UploadInspector,
  checkFile,
  fileTypeForContentType,
  inspectChunks,
  inspectStream,
  inspectingTransform,
  sniffFileType,
} from "./files.ts";
export type {
  DisallowedKind,
  FileCheckFailure,
  FileCheckInput,
  FileCheckResult,
  FileRejection,
  FileType,
  HashAlgorithm,
  InspectionResult,
  InspectorOptions,
  SniffResult,
} from "./files.ts";
export { checkInlineAttachments, checkStagedUpload, checkUploadedFile, inspectorOptionsForSlot } from "./intake.ts";
export type { CheckedFile, InlineCheckResult } from "./intake.ts";
export {
  DOWNLOAD_FOLDER,
  INCOMING_FOLDER,
  KeyError,
  applicationIdTime,
  applicationKeyPrefixes,
  bssPathForKey,
  checkKeyPrefix,
  isApplicationId,
  newApplicationId,
  planObjectKeys,
  planUploadSlotKeys,
} from "./keys.ts";
export type { IdOptions, PlannedObject, UploadSlotKey } from "./keys.ts";
export { SubmissionBuildError, buildSubmission } from "./bss-request.ts";
export type { RealnameSubmission } from "./bss-request.ts";
export { BSS_REALNAME_CODES, classifySubmitFailure, interpretReviewResult, isFinalDisposition } from "./bss-outcomes.ts";
export type { CodeInfo, Disposition, ReviewOutcome, SubmitFailure, SubmitOutcome } from "./bss-outcomes.ts";
export {
  ALLOWED_EVENTS,
  APPLICATION_STATES,
  DEFAULT_MAX_SUBMIT_ATTEMPTS,
  FINAL_STATES,
  InvalidTransitionError,
  applyEvent,
  canApply,
  createStatus,
  replay,
} from "./state.ts";
export type {
  ApplicationEvent,
  ApplicationEventType,
  ApplicationState,
  ApplicationStatus,
  AuditEntry,
  FollowUp,
  ReviewResultEvent,
  TransitionMeta,
  TransitionResult,
} from "./state.ts";
export { maskBankAccount, maskCreditCode, maskIdNumber, maskIdentifier, maskMobile, maskName, redactForLog, redactText, sensitiveValues } from "./redact.ts";
export type { RedactTextOptions } from "./redact.ts";
