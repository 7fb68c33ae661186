/** Queue adapter: message envelope, batch publisher, partial-batch + idempotent consumer. */
export { defineMessage, envelopeSchema, baseEnvelopeSchema, envelopeIdSchema, parseEnvelope, EnvelopeError } from "./envelope.ts";
export type { Envelope, MessageDefinition } from "./envelope.ts";
export { chunkBatch, sqsMessageSize, SQS_BATCH_LIMITS, MessageTooLargeError } from "./chunk.ts";
export type { BatchLimits } from "./chunk.ts";
export { createPublisher, createSqsClient, PublishError } from "./publisher.ts";
export type { Publisher, PublisherOptions, PublishResult, FailedEntry } from "./publisher.ts";
export { sqsConsumer, anyOf } from "./consumer.ts";
export type { SqsConsumerOptions, RecordHandler, RecordContext, EnvelopeParser, FailureNotes } from "./consumer.ts";
export { failureKey, failureReason, failureRecord, parseFailureAttrs, FAILURE_KEY_PREFIX, FAILURE_TTL_SECONDS } from "./failures.ts";
export type { FailureAttrs } from "./failures.ts";
