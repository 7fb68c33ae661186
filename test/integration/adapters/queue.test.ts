import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { fauxqsEndpoint, localCredentials, localQueueUrl, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { createPublisher, defineMessage, PublishError, sqsConsumer } from "../../../shared/queue/index.ts";
import { createLogger } from "../../../shared/log/index.ts";

const Item = defineMessage("test.item", 1, z.object({ n: z.number().int(), pad: z.string() }));

let fauxqs: FauxqsServer;
let dynamo: LocalDynamo;
let sqs: SQSClient;
let ddb: DynamoDBClient;

beforeAll(async () => {
  fauxqs = await startLocalFauxqs();
  dynamo = await startLocalDynamo();
  sqs = new SQSClient({ region: "us-east-1", endpoint: fauxqsEndpoint(fauxqs), credentials: localCredentials() });
  ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  await ddb.send(
    new CreateTableCommand({
      TableName: "idem",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    }),
  );
});
afterAll(async () => {
  sqs?.destroy();
  ddb?.destroy();
  await fauxqs?.stop();
  await dynamo?.close();
});

async function drain(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}

describe("publisher against fauxqs", () => {
  it("publishes 25 large messages in several batches; every one arrives once, intact", async () => {
    fauxqs.createQueue("pub-big");
    const url = localQueueUrl(fauxqs, "pub-big");
    const calls: number[] = [];
    const counting = { send: (cmd: Parameters<SQSClient["send"]>[0]) => { calls.push((cmd.input as { Entries: unknown[] }).Entries.length); return sqs.send(cmd as never); } };
    const envelopes = Array.from({ length: 25 }, (_, n) => Item.create({ n, pad: "x".repeat(60_000) }, { id: `item-${n}` }));
    const res = await createPublisher({ client: counting as never, queueUrl: url }).publish(envelopes);
    expect(res.sent.map((s) => s.id).sort()).toEqual(envelopes.map((e) => e.id).sort());
    // 60 KB each: at most 4 fit in 256 KiB.
    expect(calls.every((c) => c <= 4)).toBe(true);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(25);
    const got = await drain(url);
    expect(got.map((m) => Item.parse(m.Body).data.n).sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });

  it("retries only the entries that failed, and reports sender faults without retrying", async () => {
    fauxqs.createQueue("pub-retry");
    const url = localQueueUrl(fauxqs, "pub-retry");
    const seen: string[][] = [];
    let first = true;
    // Wraps the real client: on the first call, pretends SQS failed two entries (one transient, one sender fault).
    const flaky = {
      async send(cmd: Parameters<SQSClient["send"]>[0]) {
        const input = cmd.input as { Entries: { Id: string; MessageBody: string }[] };
        seen.push(input.Entries.map((e) => JSON.parse(e.MessageBody).id));
        if (!first) return sqs.send(cmd as never);
        first = false;
        const keep = input.Entries.slice(2);
        const real = await sqs.send(Object.assign(Object.create(Object.getPrototypeOf(cmd)), cmd, { input: { ...cmd.input, Entries: keep } }) as never);
        return {
          ...real,
          Failed: [
            { Id: input.Entries[0]!.Id, Code: "InternalError", SenderFault: false, Message: "try again" },
            { Id: input.Entries[1]!.Id, Code: "InvalidParameterValue", SenderFault: true, Message: "bad" },
          ],
        };
      },
    };
    const envelopes = Array.from({ length: 5 }, (_, n) => Item.create({ n, pad: "" }, { id: `r-${n}` }));
    const err = await createPublisher({ client: flaky as never, queueUrl: url, baseDelayMs: 1 })
      .publish(envelopes)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).failed.map((f) => f.id)).toEqual(["r-1"]);
    expect(seen).toEqual([["r-0", "r-1", "r-2", "r-3", "r-4"], ["r-0"]]);
    const got = (await drain(url)).map((m) => Item.parse(m.Body).id).sort();
    expect(got).toEqual(["r-0", "r-2", "r-3", "r-4"]);
  });
});

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `mid-${i}`,
      receiptHandle: `rh-${i}`,
      body,
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
      awsRegion: "us-east-1",
    })),
  };
}

function lambdaContext(): Context {
  const deadline = Date.now() + 30_000;
  return {
    functionName: "consumer-test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:consumer-test",
    memoryLimitInMB: "128",
    awsRequestId: "req-1",
    logGroupName: "g",
    logStreamName: "s",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe("sqsConsumer (Powertools batch + idempotency on dynalite)", () => {
  it("reports only failing and invalid records, and never runs a completed envelope twice", async () => {
    process.env["AWS_LAMBDA_FUNCTION_NAME"] = "consumer-test";
    const calls: number[] = [];
    const handler = sqsConsumer(
      Item,
      async (m) => {
        calls.push(m.data.n);
        if (m.data.n === 2) throw new Error("record 2 fails");
      },
      { idempotency: { tableName: "idem", client: ddb }, logger: createLogger({ level: "SILENT" }) },
    );
    const bodies = [0, 1, 2].map((n) => JSON.stringify(Item.create({ n, pad: "" }, { id: `idem-${n}` })));
    const event = sqsEvent([...bodies, "{not an envelope"]);
    const first = await handler(event, lambdaContext());
    expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["mid-2", "mid-3"]);
    expect(calls.sort()).toEqual([0, 1, 2]);

    calls.length = 0;
    const second = await handler(event, lambdaContext());
    expect(second.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["mid-2", "mid-3"]);
    expect(calls).toEqual([2]); // 0 and 1 were already done: not run again
  });

  it("without idempotency every delivery runs the handler", async () => {
    let count = 0;
    const handler = sqsConsumer(Item, async () => void count++, { idempotency: false, logger: createLogger({ level: "SILENT" }) });
    const body = JSON.stringify(Item.create({ n: 1, pad: "" }, { id: "same" }));
    await handler(sqsEvent([body]), lambdaContext());
    await handler(sqsEvent([body]), lambdaContext());
    expect(count).toBe(2);
  });
});
