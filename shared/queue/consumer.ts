/**
 * SQS consumer wrapper: Powertools batch processing (partial batch failures) + Powertools
 * idempotency on the envelope id (DynamoDB persistence), as a middy handler.
 *
 *   export const handler = sqsConsumer(ReminderDue, async (message, { logger }) => { ... }, {
 *     idempotency: { tableName: config.IDEMPOTENCY_TABLE },
 *   });
 *
 * Each record's body is parsed and validated as an envelope; a record that fails validation or
 * whose handler throws is reported in `batchItemFailures`, so only that record returns to the queue
 * (and reaches the DLQ after the queue's maxReceiveCount). A record whose envelope id was already
 * processed successfully is acknowledged without running the handler again.
 *
 * The serverless.yml event for the function must set `functionResponseType: ReportBatchItemFailures`.
 */
import middy from "@middy/core";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { Logger } from "@aws-lambda-powertools/logger";
import { createLogger } from "../log/index.ts";
import type { Envelope } from "./envelope.ts";
import { FAILURE_TTL_SECONDS, failureRecord } from "./failures.ts";

/** Where a failed record's reason is written (a Ledger from shared/ledger has this method). */
export interface FailureNotes {
  note(key: string, attrs: Record<string, unknown>, options?: { ttlSeconds?: number }): Promise<void>;
}

/** Anything with `parse(body) → envelope`: a MessageDefinition from defineMessage, or a union of them. */
export interface EnvelopeParser<T extends Envelope> {
  parse(body: unknown): T;
}

export interface RecordContext {
  record: SQSRecord;
  context: Context;
  logger: Logger;
}

export type RecordHandler<T extends Envelope> = (message: T, ctx: RecordContext) => Promise<void>;

export interface SqsConsumerOptions {
  /** Deduplicate on the envelope id with a DynamoDB table; `false` to turn off (tests, pure fan-out). */
  idempotency: { tableName: string; expiresAfterSeconds?: number; client?: DynamoDBClient } | false;
  logger?: Logger;
  /** Process the records of a batch one after another instead of concurrently. */
  sequential?: boolean;
  /**
   * Records why each failed record failed (`failure#<queue>#<messageId>`, 14-day TTL; shared/queue/failures.ts)
   * for the ops console's DLQ view. A failure to record is logged and does not change the batch response.
   */
  failures?: FailureNotes;
  now?: () => number;
}

/** Accepts several message definitions on one queue: the first whose type matches parses the body. */
export function anyOf<T extends Envelope>(...parsers: EnvelopeParser<T>[]): EnvelopeParser<T> {
  return {
    parse(body) {
      const errors: string[] = [];
      for (const p of parsers) {
        try {
          return p.parse(body);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      throw new Error(errors.join(" | "));
    },
  };
}

export function sqsConsumer<T extends Envelope>(parser: EnvelopeParser<T>, recordHandler: RecordHandler<T>, options: SqsConsumerOptions) {
  const logger = options.logger ?? createLogger();
  const persistence =
    options.idempotency === false
      ? undefined
      : new DynamoDBPersistenceLayer({
          tableName: options.idempotency.tableName,
          ...(options.idempotency.client ? { awsSdkV3Client: options.idempotency.client } : {}),
        });
  const expiresAfterSeconds = options.idempotency === false ? undefined : options.idempotency.expiresAfterSeconds;

  const base = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    let run = async (message: T, record: SQSRecord): Promise<unknown> => {
      await recordHandler(message, { record, context, logger });
      return true;
    };
    if (persistence) {
      const config = new IdempotencyConfig({
        eventKeyJmesPath: "id",
        throwOnNoIdempotencyKey: true,
        ...(expiresAfterSeconds !== undefined ? { expiresAfterSeconds } : {}),
      });
      config.registerLambdaContext(context);
      run = makeIdempotent(run, { persistenceStore: persistence, config, dataIndexArgument: 0 });
    }
    const noteFailure = async (record: SQSRecord, err: unknown): Promise<void> => {
      if (!options.failures) return;
      try {
        const f = failureRecord(record, err, (options.now ?? Date.now)());
        await options.failures.note(f.key, { ...f.attrs }, { ttlSeconds: FAILURE_TTL_SECONDS });
      } catch (noteErr) {
        logger.warn("could not record the failure reason", { messageId: record.messageId, error: noteErr as Error });
      }
    };
    const perRecord = async (record: SQSRecord): Promise<void> => {
      let message: T;
      try {
        message = parser.parse(record.body);
      } catch (err) {
        logger.error("invalid message", { messageId: record.messageId, reason: (err as Error).message });
        await noteFailure(record, err);
        throw err;
      }
      try {
        await run(message, record);
      } catch (err) {
        logger.error("message handler failed", { messageId: record.messageId, envelopeId: message.id, type: message.type, error: err as Error });
        await noteFailure(record, err);
        throw err;
      }
    };
    // One processor per invocation: the embedded engine may run concurrent batches in one process.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, perRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: !options.sequential,
    });
  };
  return middy<SQSEvent, SQSBatchResponse>().handler(base);
}
