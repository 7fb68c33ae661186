/**
 * `partner-ops dlq list <queue>` / `partner-ops dlq replay <queue>`: inspect a dead-letter queue
 * and move its messages back to the queue they came from.
 *
 * Talks to the SQS emulator of a running engine (found through <data-dir>/engine.json, or given
 * with --endpoint). When no engine runs on the data directory, the command opens the directory's
 * queues itself (it starts the emulator on it for the duration of the command).
 */
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { localCredentials, startLocalFauxqs } from "../engine/emulators.ts";
import { readRuntimeInfo } from "../engine/engine.ts";
import { makePrivate, privateUmask } from "../engine/private-dir.ts";

const usage = `Usage: partner-ops dlq list <queue> [--data-dir D | --endpoint URL] [--full]
       partner-ops dlq replay <queue> [--data-dir D | --endpoint URL] [--max N]

<queue> is a queue name (or a unique part of one): either the source queue or its dead-letter queue.
  list    shows the messages waiting in the dead-letter queue (id, receives, sent time, envelope type/id;
          --full prints the bodies).
  replay  moves them back to the source queue (the one whose redrive policy targets the DLQ), where
          its consumer processes them again.
--data-dir  the engine's data directory (default .partner-ops): uses the running engine, or opens the
            directory's queues when no engine runs on it.
--endpoint  SQS endpoint of a running engine (e.g. an --in-memory engine).`;

interface QueueInfo {
  name: string;
  url: string;
  arn: string;
  dlqArn: string | undefined;
}

export interface DlqTarget {
  dlq: QueueInfo;
  sources: QueueInfo[];
}

function parseArgs(argv: string[]) {
  const [sub, queue, ...rest] = argv;
  if (sub !== "list" && sub !== "replay") throw new UsageError(`expected "list" or "replay", got ${sub === undefined ? "nothing" : `"${sub}"`}`);
  if (!queue || queue.startsWith("--")) throw new UsageError("missing <queue>");
  const opts: { dataDir?: string; endpoint?: string; full: boolean; max?: number; region?: string } = { full: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--data-dir") opts.dataDir = value();
    else if (a === "--endpoint") {
      const v = z.url({ protocol: /^https?$/ }).safeParse(value());
      if (!v.success) throw new UsageError("--endpoint must be an http(s) URL");
      opts.endpoint = v.data.replace(/\/$/, "");
    }
    else if (a === "--full") opts.full = true;
    else if (a === "--region") opts.region = value();
    else if (a === "--max") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new UsageError("--max must be a positive integer");
      opts.max = n;
    } else throw new UsageError(`unknown option ${a}`);
  }
  if (opts.dataDir && opts.endpoint) throw new UsageError("give --data-dir or --endpoint, not both");
  return { sub, queue, ...opts };
}

async function allQueues(sqs: SQSClient): Promise<QueueInfo[]> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const res = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }));
    urls.push(...(res.QueueUrls ?? []));
    token = res.NextToken;
  } while (token);
  return Promise.all(
    urls.map(async (url) => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn", "RedrivePolicy"] }));
      const arn = a.Attributes?.QueueArn ?? "";
      const rp = a.Attributes?.RedrivePolicy ? (JSON.parse(a.Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }) : undefined;
      return { name: arn.split(":").pop() ?? url.split("/").pop()!, url, arn, dlqArn: rp?.deadLetterTargetArn };
    }),
  );
}

/** Finds the DLQ and its source queue(s) from a name that may be either. */
export async function resolveDlq(sqs: SQSClient, name: string): Promise<DlqTarget> {
  const queues = await allQueues(sqs);
  // Case-insensitive: `dlq list notify` finds partner-ops-local-RenewalNotifyQueue.
  const wanted = name.toLowerCase();
  const exact = queues.filter((q) => q.name === name);
  const exactFolded = exact.length ? exact : queues.filter((q) => q.name.toLowerCase() === wanted);
  const candidates = exactFolded.length ? exactFolded : queues.filter((q) => q.name.toLowerCase().includes(wanted));
  if (candidates.length === 0) throw new UsageError(`no queue named like "${name}" (queues: ${queues.map((q) => q.name).join(", ") || "none"})`);
  const resolved = new Map<string, DlqTarget>();
  for (const c of candidates) {
    const dlq = c.dlqArn ? queues.find((q) => q.arn === c.dlqArn) : queues.some((q) => q.dlqArn === c.arn) ? c : undefined;
    if (!dlq) continue;
    resolved.set(dlq.arn, { dlq, sources: queues.filter((q) => q.dlqArn === dlq.arn) });
  }
  if (resolved.size === 0) throw new UsageError(`"${name}" is neither a queue with a dead-letter queue nor a dead-letter queue`);
  if (resolved.size > 1) throw new UsageError(`"${name}" matches several dead-letter queues: ${[...resolved.values()].map((t) => t.dlq.name).join(", ")}`);
  return [...resolved.values()][0]!;
}

export interface DlqMessageSummary {
  messageId: string;
  receiveCount: number;
  sentAt: string;
  type?: string;
  envelopeId?: string;
  body?: string;
}

/** Non-destructive listing through the emulator's inspection endpoint. */
export async function listDlq(endpoint: string, target: DlqTarget, full: boolean): Promise<DlqMessageSummary[]> {
  const res = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(target.dlq.name)}`);
  if (!res.ok) throw new Error(`cannot inspect ${target.dlq.name}: HTTP ${res.status}`);
  const state = (await res.json()) as { messages: { ready: Msg[]; delayed: Msg[]; inflight: { message: Msg }[] } };
  type Msg = { messageId: string; body: string; sentTimestamp: number; approximateReceiveCount: number };
  const all = [...state.messages.ready, ...state.messages.delayed, ...state.messages.inflight.map((i) => i.message)];
  return all.map((m) => {
    let type: string | undefined;
    let envelopeId: string | undefined;
    try {
      const parsed = JSON.parse(m.body) as { type?: unknown; id?: unknown };
      if (typeof parsed.type === "string") type = parsed.type;
      if (typeof parsed.id === "string") envelopeId = parsed.id;
    } catch {
      // not an envelope
    }
    return {
      messageId: m.messageId,
      receiveCount: m.approximateReceiveCount,
      sentAt: new Date(m.sentTimestamp).toISOString(),
      ...(type ? { type } : {}),
      ...(envelopeId ? { envelopeId } : {}),
      ...(full ? { body: m.body } : {}),
    };
  });
}

/** Moves messages from the DLQ back to its source queue; returns how many moved. */
export async function replayDlq(sqs: SQSClient, target: DlqTarget, max = Number.POSITIVE_INFINITY): Promise<number> {
  if (target.sources.length !== 1) {
    throw new UsageError(`${target.dlq.name} is the DLQ of ${target.sources.length === 0 ? "no queue" : target.sources.map((s) => s.name).join(" and ")}; cannot tell where to replay`);
  }
  const source = target.sources[0]!;
  const fifo = source.name.endsWith(".fifo");
  let moved = 0;
  while (moved < max) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.dlq.url,
        MaxNumberOfMessages: Math.min(10, max - moved),
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const batch: Message[] = res.Messages ?? [];
    if (batch.length === 0) break;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: batch.map((m, i) => ({
          Id: `r${i}`,
          MessageBody: m.Body ?? "",
          ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length ? { MessageAttributes: m.MessageAttributes } : {}),
          ...(fifo ? { MessageGroupId: m.Attributes?.MessageGroupId ?? "replay", MessageDeduplicationId: `replay-${m.MessageId}` } : {}),
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const toDelete = batch.filter((_, i) => ok.has(`r${i}`));
    if (toDelete.length) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: target.dlq.url, Entries: toDelete.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
    }
    moved += toDelete.length;
    if (toDelete.length < batch.length) throw new Error(`${batch.length - toDelete.length} message(s) could not be sent back to ${source.name}; they stay in ${target.dlq.name}`);
  }
  return moved;
}

/** Runs `fn` against the SQS endpoint of the engine on a data dir (or of the given endpoint). */
async function withEndpoint<T>(opts: { dataDir?: string; endpoint?: string; region?: string }, io: CommandIO, fn: (endpoint: string, sqs: SQSClient) => Promise<T>): Promise<T> {
  let endpoint = opts.endpoint;
  let stop: (() => Promise<void>) | undefined;
  let region = opts.region ?? "us-east-1";
  if (!endpoint) {
    const dir = resolve(opts.dataDir ?? ".partner-ops");
    const running = readRuntimeInfo(dir);
    if (running) {
      endpoint = running.fauxqs;
      region = opts.region ?? running.region;
    } else {
      io.stderr.write(`no engine running on ${dir}; opening its queues directly\n`);
      makePrivate(dir);
      const restoreUmask = privateUmask();
      const server = await startLocalFauxqs({ dataDir: join(dir, "fauxqs"), region });
      endpoint = `http://127.0.0.1:${server.port}`;
      stop = async () => {
        await server.stop();
        restoreUmask();
      };
    }
  }
  const sqs = new SQSClient({ region, endpoint, credentials: localCredentials() });
  try {
    return await fn(endpoint, sqs);
  } finally {
    sqs.destroy();
    await stop?.();
  }
}

export const command: Command = {
  name: "dlq",
  summary: "list or replay the messages of a dead-letter queue of the local engine",
  usage,
  async run(argv, io) {
    const args = parseArgs(argv);
    return withEndpoint(args, io, async (endpoint, sqs) => {
      const target = await resolveDlq(sqs, args.queue);
      if (args.sub === "list") {
        const messages = await listDlq(endpoint, target, args.full);
        io.stdout.write(`${JSON.stringify({ dlq: target.dlq.name, sources: target.sources.map((s) => s.name), count: messages.length, messages }, null, 2)}\n`);
        return 0;
      }
      const moved = await replayDlq(sqs, target, args.max);
      io.stdout.write(`${JSON.stringify({ dlq: target.dlq.name, replayedTo: target.sources[0]!.name, moved })}\n`);
      io.stderr.write(`moved ${moved} message(s) from ${target.dlq.name} back to ${target.sources[0]!.name}\n`);
      return 0;
    });
  },
};
