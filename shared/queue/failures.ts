/**
 * Why a queue message failed, kept for the ops console (issue 14, view 5): when the batch consumer
 * reports a record as failed, it writes one ledger-table item `failure#<queue>#<messageId>` (overwritten
 * by each later failure of the same message, so the last reason wins; DynamoDB TTL removes it after 14
 * days, the longest an SQS message can live). SQS keeps the message id when it moves a message to the
 * DLQ after maxReceiveCount, so the console joins a DLQ message to its reason by (source queue, id).
 *
 * The reason is the error's name and message, masked by shared/log/redact.ts (credentials, ID numbers)
 * and cut to REASON_MAX characters — never the message body.
 */
import type { SQSRecord } from "aws-lambda";
import { redactString } from "../log/redact.ts";

export const FAILURE_KEY_PREFIX = "failure#";
export const FAILURE_TTL_SECONDS = 14 * 86_400;
export const REASON_MAX = 300;

/** The ledger key of a message's failure record. */
export const failureKey = (queue: string, messageId: string) => `${FAILURE_KEY_PREFIX}${queue}#${messageId}`;

/** A queue's name from its ARN (`arn:aws:sqs:<region>:<account>:<name>`), else the input. */
export const queueNameOfArn = (arn: string) => arn.split(":").pop() ?? arn;

/** `Name: message`, redacted, one line, at most REASON_MAX characters. Pure. */
export function failureReason(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "";
  const text = redactString(`${name}: ${message}`.replace(/\s+/g, " ").trim());
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX - 1)}…` : text;
}

export interface FailureAttrs {
  messageId: string;
  queue: string;
  reason: string;
  at: string;
  /** The receive count of the failed attempt. */
  receiveCount: number;
}

/** The failure record of one SQS record (pure). */
export function failureRecord(record: Pick<SQSRecord, "messageId" | "eventSourceARN" | "attributes">, err: unknown, now: number): { key: string; attrs: FailureAttrs } {
  const queue = queueNameOfArn(record.eventSourceARN ?? "");
  return {
    key: failureKey(queue, record.messageId),
    attrs: {
      messageId: record.messageId,
      queue,
      reason: failureReason(err),
      at: new Date(now).toISOString(),
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
    },
  };
}

/** Reads back what the console shows (undefined for anything not written by failureRecord). */
export function parseFailureAttrs(attrs: unknown): FailureAttrs | undefined {
  const a = attrs as Partial<FailureAttrs> | undefined;
  if (!a || typeof a.reason !== "string" || typeof a.at !== "string" || typeof a.messageId !== "string") return undefined;
  return { messageId: a.messageId, queue: String(a.queue ?? ""), reason: a.reason.slice(0, REASON_MAX), at: a.at, receiveCount: Number(a.receiveCount ?? 0) };
}
