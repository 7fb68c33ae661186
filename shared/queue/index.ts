/** Queue adapter: message envelope, batch publisher, partial-batch + idempotent consumer. */
export { defineMessage, envelopeSchema, baseEnvelopeSchema, envelopeIdSchema, parseEnvelope, EnvelopeError } from "./envelope.ts";
export type { Envelope, MessageDefinition } from "./envelope.ts";
export { chunkBatch, sqsMessageSize, SQS_BATCH_LIMITS, MessageTooLargeError } from "./chunk.ts";
export type { BatchLimits } from "./chunk.ts";
export { createPublisher, createSqsClient, PublishError } from "./publisher.ts";
export type { Publisher, PublisherOptions, PublishResult, FailedEntry } from "./publisher.ts";
export { sqsConsumer, anyOf } from "./consumer.ts";
export type { SqsConsumerOptions, RecordHandler, RecordContext, EnvelopeParser } from "./consumer.ts";
