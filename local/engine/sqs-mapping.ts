/**
 * The local SQS event-source mapping: pollers that receive from a queue in batches (batch size,
 * batching window), invoke a function, delete what succeeded and leave the rest to come back after
 * the visibility timeout — where fauxqs moves it to the DLQ after maxReceiveCount, as SQS does.
 * Bounded concurrency: at most `concurrency` batches of one mapping are in flight at a time.
 * Stopping stops receiving, then waits for the batches in flight (including messages a receive
 * returned after the stop began) to finish and be deleted: nothing is lost, and anything not
 * deleted simply becomes visible again.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import type { FunctionRuntime } from "./runtime.ts";
import type { SqsEvent } from "./service.ts";

/** Which messages of a batch must NOT be deleted: "all" (function failed) or the failed message ids. */
export type BatchOutcome = { keep: "all"; reason: string } | { keep: string[] };
export type BatchProcessor = (records: SQSRecord[]) => Promise<BatchOutcome>;

export interface QueueRef {
  name: string;
  url: string;
  arn: string;
}

export interface PollerOptions {
  label: string;
  queue: QueueRef;
  sqs: SQSClient;
  region: string;
  batchSize: number;
  batchingWindowSeconds: number;
  concurrency: number;
  /** Long-poll wait of each ReceiveMessage (0–20). */
  pollWaitSeconds: number;
  /** Pause after an empty short poll (pollWaitSeconds = 0). */
  idleMs: number;
  process: BatchProcessor;
  onBatch?: (info: { label: string; queue: string; size: number; kept: number; deleted: number; failedIds: string[]; messageIds: string[]; reason?: string }) => void;
  /** A batch was received and is about to be processed (receive counts > 1 are redeliveries). */
  onReceive?: (info: { label: string; queue: string; messages: { messageId: string; receiveCount: number }[] }) => void;
  onError?: (err: Error) => void;
  /** A batch left behind by abandon(): its messages were neither deleted nor reported. */
  onAbandoned?: (info: { label: string; queue: string; size: number; messageIds: string[] }) => void;
}

export function toSqsRecord(m: Message, queue: QueueRef, region: string): SQSRecord {
  const attrs = m.Attributes ?? {};
  const messageAttributes: SQSRecord["messageAttributes"] = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[k] = {
      dataType: v.DataType ?? "String",
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString("base64") } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? "1",
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? "000000000000",
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attrs.MessageGroupId ? { MessageGroupId: attrs.MessageGroupId } : {}),
      ...(attrs.MessageDeduplicationId ? { MessageDeduplicationId: attrs.MessageDeduplicationId } : {}),
      ...(attrs.SequenceNumber ? { SequenceNumber: attrs.SequenceNumber } : {}),
    },
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}

/**
 * Interprets a function's answer to an SQS batch as Lambda does with ReportBatchItemFailures:
 * null/undefined/{} or an empty list = all succeeded; a list of known, non-empty itemIdentifiers =
 * those failed; anything malformed = the whole batch failed. Pure.
 */
export function interpretBatchResponse(result: unknown, messageIds: readonly string[]): BatchOutcome {
  if (result === null || result === undefined) return { keep: [] };
  if (typeof result !== "object" || Array.isArray(result)) return { keep: "all", reason: "response is not an object" };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { keep: [] };
  if (!Array.isArray(failures)) return { keep: "all", reason: "batchItemFailures is not a list" };
  const known = new Set(messageIds);
  const keep = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "" || !known.has(id)) return { keep: "all", reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    keep.add(id);
  }
  return { keep: [...keep] };
}

/** Invokes a function with each batch, honouring functionResponseType. */
export function functionBatchProcessor(runtime: FunctionRuntime, event: SqsEvent, trigger: string): BatchProcessor {
  return async (records) => {
    const res = await runtime.invoke({ Records: records }, trigger);
    if (!res.ok) return { keep: "all", reason: `${res.error.name}: ${res.error.message}` };
    if (event.functionResponseType !== "ReportBatchItemFailures") return { keep: [] };
    return interpretBatchResponse(res.result, records.map((r) => r.messageId));
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class QueuePoller {
  private readonly o: PollerOptions;
  private stopping = false;
  private workers: Promise<void>[] = [];
  /** Batches in flight, each with the way to abandon it. */
  private readonly inFlight = new Set<{ size: number; abandon: () => void }>();

  constructor(options: PollerOptions) {
    this.o = options;
  }

  start(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < Math.max(1, this.o.concurrency); i++) this.workers.push(this.work());
  }

  /** Stops receiving and resolves when every batch in flight has been processed and acknowledged. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.workers);
    this.workers = [];
  }

  /**
   * Simulates a consumer that dies in the middle of its batches (a crashed Lambda instance whose
   * answer never arrives): every batch in flight is abandoned — nothing of it is deleted or reported,
   * so its messages come back after the queue's visibility timeout — and the workers go straight
   * back to polling. The abandoned handlers cannot be stopped (they share the process): their side
   * effects may still happen, as a crash after a side effect would leave them. Returns the number of
   * messages abandoned.
   */
  abandon(): number {
    let n = 0;
    for (const b of [...this.inFlight]) {
      n += b.size;
      b.abandon();
    }
    return n;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const res = await this.o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.o.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return res.Messages ?? [];
  }

  /** Gathers up to batchSize messages: the window starts when the first message arrives. */
  private async collect(): Promise<Message[]> {
    const batch: Message[] = [];
    const first = await this.receive(this.o.batchSize, this.o.pollWaitSeconds);
    batch.push(...first);
    if (batch.length === 0) return batch;
    const deadline = Date.now() + this.o.batchingWindowSeconds * 1000;
    while (batch.length < this.o.batchSize && Date.now() < deadline && !this.stopping) {
      const remaining = deadline - Date.now();
      const more = await this.receive(this.o.batchSize - batch.length, Math.min(this.o.pollWaitSeconds, Math.floor(remaining / 1000)));
      batch.push(...more);
      if (more.length === 0) await sleep(Math.min(this.o.idleMs, Math.max(0, deadline - Date.now())));
    }
    return batch;
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.collect();
      } catch (err) {
        if (this.stopping) break;
        this.o.onError?.(err as Error);
        await sleep(Math.max(this.o.idleMs, 200));
        continue;
      }
      if (messages.length === 0) {
        if (this.o.pollWaitSeconds === 0) await sleep(this.o.idleMs);
        continue;
      }
      let abandoned = false;
      let abandon!: () => void;
      const abandonedSignal = new Promise<void>((r) => (abandon = r));
      const entry = {
        size: messages.length,
        abandon: () => {
          abandoned = true;
          this.inFlight.delete(entry);
          abandon();
          this.o.onAbandoned?.({ label: this.o.label, queue: this.o.queue.name, size: messages.length, messageIds: messages.map((m) => m.MessageId ?? "") });
        },
      };
      this.inFlight.add(entry);
      const handled = this.handle(messages, () => abandoned);
      handled.catch(() => undefined);
      await Promise.race([handled, abandonedSignal]);
      this.inFlight.delete(entry);
    }
  }

  private async handle(messages: Message[], abandoned: () => boolean = () => false): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, this.o.queue, this.o.region));
    this.o.onReceive?.({ label: this.o.label, queue: this.o.queue.name, messages: records.map((r) => ({ messageId: r.messageId, receiveCount: Number(r.attributes.ApproximateReceiveCount) || 1 })) });
    let outcome: BatchOutcome;
    try {
      outcome = await this.o.process(records);
    } catch (err) {
      outcome = { keep: "all", reason: (err as Error).message };
    }
    if (abandoned()) return; // the consumer "died": its answer is lost, nothing is deleted
    const keep = new Set(outcome.keep === "all" ? records.map((r) => r.messageId) : outcome.keep);
    const done = messages.filter((m) => !keep.has(m.MessageId ?? ""));
    let deleted = 0;
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      try {
        const res = await this.o.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.o.queue.url, Entries: chunk.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })) }),
        );
        deleted += res.Successful?.length ?? 0;
        if (res.Failed?.length) this.o.onError?.(new Error(`${this.o.label}: ${res.Failed.length} message(s) not deleted; they will be delivered again`));
      } catch (err) {
        this.o.onError?.(new Error(`${this.o.label}: delete failed (${(err as Error).message}); the messages will be delivered again`));
      }
    }
    this.o.onBatch?.({
      label: this.o.label,
      queue: this.o.queue.name,
      size: messages.length,
      kept: keep.size,
      deleted,
      failedIds: [...keep],
      messageIds: records.map((r) => r.messageId),
      ...(outcome.keep === "all" ? { reason: outcome.reason } : {}),
    });
  }
}
