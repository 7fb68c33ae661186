/** Real-name adapters (DynamoDB records, partner OBS bucket, signed callback) and the flows that use them. */
export { WORK_INDEX, VersionConflictError, createRecordStore, documentClient } from "./records.ts";
export type { RecordStore, RequestMarker } from "./records.ts";
export { StagedObjectChangedError, partnerBucket } from "./documents.ts";
export type { PartnerBucket, StagedObject } from "./documents.ts";
export { directTransport, postSignedCallback, resolveCallbackTarget } from "./callback.ts";
export type { CallbackOptions, CallbackResult, CallbackTarget, CallbackTransport, Resolver } from "./callback.ts";
export { realnameEnvSchema, realnameSettings, splitSecrets } from "./config.ts";
export type { RealnameSettings } from "./config.ts";
export { createRealnameService } from "./service.ts";
export type { HttpResult, RealnameDeps, RealnameService } from "./service.ts";
export { wireRealname } from "./wiring.ts";
export type { RealnameWiring } from "./wiring.ts";
