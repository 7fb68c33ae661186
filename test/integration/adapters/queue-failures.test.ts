/**
 * The consumer records why a message failed (failure#<queue>#<messageId> in the ledger table), and SQS
 * (fauxqs) keeps the message id when the message is redriven to the DLQ — the console's join key.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { fauxqsEndpoint, localCredentials, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { toSqsRecord } from "../../../local/engine/sqs-mapping.ts";
import { createDocumentClient, createLedger } from "../../../shared/ledger/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import { defineMessage, failureKey, FAILURE_TTL_SECONDS, sqsConsumer } from "../../../shared/queue/index.ts";

const Job = defineMessage("test.job", 1, z.object({ n: z.number().int() }));

let fauxqs: FauxqsServer;
let dynamo: LocalDynamo;
let sqs: SQSClient;
let ddb: DynamoDBClient;

beforeAll(async () => {
  fauxqs = await startLocalFauxqs();
  dynamo = await startLocalDynamo();
  sqs = new SQSClient({ region: "us-east-1", endpoint: fauxqsEndpoint(fauxqs), credentials: localCredentials() });
  ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  await ddb.send(new CreateTableCommand({ TableName: "ledger", BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }] }));
});
afterAll(async () => {
  sqs?.destroy();
  ddb?.destroy();
  await fauxqs?.stop();
  await dynamo?.close();
});

describe("failure reasons", () => {
  it("a failed record's reason is recorded (redacted, TTL) and its message id survives the redrive to the DLQ", async () => {
    const dlq = fauxqs.createQueue("jobs-dlq");
    const q = fauxqs.createQueue("jobs", { attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: "2" }), VisibilityTimeout: "0" } });
    const ledger = createLedger({ tableName: "ledger", client: createDocumentClient(ddb) });
    const handler = sqsConsumer(
      Job,
      async () => {
        throw new TypeError("BSS said no for 110101199003070011 (Authorization: SDK-HMAC-SHA256 Access=AK1, Signature=abc)");
      },
      { idempotency: false, logger: createLogger({ level: "SILENT" }), failures: ledger },
    );
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: JSON.stringify(Job.create({ n: 1 })) }));
    for (let i = 0; i < 2; i++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ["All"] }));
      expect(got.Messages?.length).toBe(1);
      const event: SQSEvent = { Records: [toSqsRecord(got.Messages![0]!, { name: q.queueName, url: q.queueUrl, arn: q.queueArn }, "us-east-1")] };
      const res = await handler(event, {} as Context);
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: sent.MessageId }]);
    }
    // A third receive moves it to the DLQ (maxReceiveCount 2).
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1 }))).Messages ?? []).toEqual([]);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, MaxNumberOfMessages: 1 }));
    expect(dead.Messages?.[0]?.MessageId).toBe(sent.MessageId);

    const rec = await ledger.get(failureKey("jobs", dead.Messages![0]!.MessageId!));
    expect(rec?.attrs).toMatchObject({ messageId: sent.MessageId, queue: "jobs", receiveCount: 2 });
    const reason = String(rec?.attrs?.["reason"]);
    expect(reason).toMatch(/^TypeError: BSS said no for \[REDACTED\]/);
    expect(reason).not.toContain("110101199003070011");
    expect(reason).not.toContain("Access=AK1");
    expect(rec!.expiresAt - Date.now() / 1000).toBeGreaterThan(FAILURE_TTL_SECONDS - 60);
  });
});
