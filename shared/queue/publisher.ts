/**
 * Queue publisher: validates envelopes, sends them with SendMessageBatch in chunks of at most
 * 10 messages / 256 KiB, and retries only the entries SQS reports as failed (bounded, with
 * jittered backoff). Entries SQS rejects as the sender's fault are not retried.
 *
 * On a FIFO queue (URL ending in `.fifo`) the envelope id is the MessageDeduplicationId and the
 * group id defaults to the message type. On a standard queue SQS has no deduplication id; the
 * consumer side deduplicates on the envelope id (idempotency table).
 */
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { chunkBatch, sqsMessageSize, SQS_BATCH_LIMITS, type BatchLimits } from "./chunk.ts";
import { parseEnvelope, type Envelope } from "./envelope.ts";

export interface PublisherOptions {
  client: Pick<SQSClient, "send">;
  queueUrl: string;
  /** Total attempts per entry, including the first. Default 4. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, with full jitter. Default 100 ms. */
  baseDelayMs?: number;
  limits?: BatchLimits;
  /** FIFO queues only: message group of an envelope. Default: its type. */
  groupId?: (envelope: Envelope) => string;
  /** Delay per message in seconds (standard queues only). */
  delaySeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface FailedEntry {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

export interface PublishResult {
  sent: { id: string; messageId: string }[];
  attempts: number;
}

export class PublishError extends Error {
  override name = "PublishError";
  readonly failed: readonly FailedEntry[];
  readonly sent: PublishResult["sent"];
  constructor(failed: FailedEntry[], sent: PublishResult["sent"]) {
    super(`${failed.length} message(s) not published: ${failed.map((f) => `${f.id} (${f.code})`).join(", ")}`);
    this.failed = failed;
    this.sent = sent;
  }
}

export interface Publisher {
  /** Publishes all envelopes; resolves when every one is accepted, otherwise throws PublishError. */
  publish(envelopes: readonly Envelope[]): Promise<PublishResult>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createPublisher(options: PublisherOptions): Publisher {
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelay = options.baseDelayMs ?? 100;
  const limits = options.limits ?? SQS_BATCH_LIMITS;
  const fifo = /\.fifo$/.test(options.queueUrl);
  const sleep = options.sleep ?? defaultSleep;

  const toEntry = (envelope: Envelope, entryId: string): SendMessageBatchRequestEntry => ({
    Id: entryId,
    MessageBody: JSON.stringify(envelope),
    ...(fifo
      ? { MessageDeduplicationId: envelope.id, MessageGroupId: options.groupId?.(envelope) ?? envelope.type }
      : options.delaySeconds !== undefined
        ? { DelaySeconds: options.delaySeconds }
        : {}),
  });

  return {
    async publish(input) {
      const envelopes = input.map((e) => parseEnvelope(e));
      const bodies = new Map(envelopes.map((e) => [e.id, JSON.stringify(e)]));
      if (bodies.size !== envelopes.length) throw new Error("duplicate envelope ids in one publish call");
      const sent: PublishResult["sent"] = [];
      const failed: FailedEntry[] = [];
      let pending = envelopes;
      let attempt = 0;
      while (pending.length > 0 && attempt < maxAttempts) {
        if (attempt > 0) await sleep(Math.random() * baseDelay * 2 ** (attempt - 1));
        attempt++;
        const lastAttempt = attempt >= maxAttempts;
        const retry: Envelope[] = [];
        const chunks = chunkBatch(pending, (e) => sqsMessageSize(bodies.get(e.id) ?? ""), limits);
        for (const chunk of chunks) {
          const byEntryId = new Map(chunk.map((e, i) => [`m${i}`, e]));
          try {
            const res = await options.client.send(
              new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: chunk.map((e, i) => toEntry(e, `m${i}`)) }),
            );
            for (const ok of res.Successful ?? []) {
              const env = ok.Id ? byEntryId.get(ok.Id) : undefined;
              if (env) sent.push({ id: env.id, messageId: ok.MessageId ?? "" });
            }
            for (const bad of res.Failed ?? []) {
              const env = bad.Id ? byEntryId.get(bad.Id) : undefined;
              if (!env) continue;
              const entry: FailedEntry = { id: env.id, code: bad.Code ?? "Unknown", message: bad.Message ?? "", senderFault: bad.SenderFault === true };
              if (entry.senderFault || lastAttempt) failed.push(entry);
              else retry.push(env);
            }
          } catch (err) {
            // The SDK already retried transport errors and throttling; count this as one attempt for
            // every entry of the chunk.
            const e = err as Error & { name?: string };
            for (const env of chunk) {
              if (lastAttempt) failed.push({ id: env.id, code: e.name ?? "Error", message: e.message, senderFault: false });
              else retry.push(env);
            }
          }
        }
        pending = retry;
      }
      if (failed.length > 0) throw new PublishError(failed, sent);
      return { sent, attempts: attempt };
    },
  };
}

/** SQS client for the current environment (AWS_ENDPOINT_URL_SQS points it at the local engine). */
export function createSqsClient(region?: string): SQSClient {
  return new SQSClient(region ? { region } : {});
}
