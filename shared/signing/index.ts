export {
  ALGORITHM,
  DERIVED_ALGORITHM,
  EMPTY_BODY_SHA256,
  UNSIGNED_PAYLOAD,
  SigningError,
  canonicalQuery,
  canonicalUri,
  encodeComponent,
  explainSignature,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  signRequest,
  verifyRequestSignature,
} from "./apig.ts";
export type {
  Credentials,
  ParsedAuthorization,
  QueryValue,
  ReceivedRequest,
  SignableRequest,
  SignatureParts,
  SignedRequest,
  SignOptions,
  VerifyOptions,
  VerifyResult,
} from "./apig.ts";
export {
  DEFAULT_TOLERANCE_SECONDS,
  WEBHOOK_SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  webhookReplayKey,
} from "./webhook.ts";
export type {
  SignWebhookOptions,
  VerifyWebhookOptions,
  WebhookRequestLine,
  WebhookSignatureVersion,
  WebhookVerifyFailure,
  WebhookVerifyResult,
} from "./webhook.ts";
