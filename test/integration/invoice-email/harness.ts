/**
 * Shared set-up of the invoice-email integration tests: the fixtures, the intake's test config, and
 * the emulators (fauxqs S3 + FIFO SQS, dynalite) with a fresh events queue and ledger table per test
 * (tests do not see each other's events or claims). The clients are exported as live bindings:
 * call `useIntakeEmulators()` once at the top of a test file, then read them inside tests.
 */
import { readFileSync } from "node:fs";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { fauxqsEndpoint, localCredentials, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { resolveEmailConfig, type IntakePorts } from "../../../shared/email/index.ts";
import { createDocumentClient, createLedger, type Ledger } from "../../../shared/ledger/index.ts";
import { createPublisher } from "../../../shared/queue/index.ts";
import { bucket, createStorageClient, type Bucket } from "../../../shared/storage/index.ts";

const dir = new URL("../../fixtures/invoice-emails/", import.meta.url);
export const eml = (name: string) => readFileSync(new URL(`${name}.eml`, dir));
export const expected = (name: string) => JSON.parse(readFileSync(new URL(`${name}.expected.json`, dir), "utf8")) as unknown;
export const emailConfig = resolveEmailConfig({ internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"], maxMessageBytes: 200_000 });

export let fauxqs: FauxqsServer;
export let sqs: SQSClient;
export let store: Bucket;
export let ddb: DynamoDBClient;
export let queueUrl: string;
export let table: string;

export function useIntakeEmulators(): void {
  let dynamo: LocalDynamo | undefined;
  let run = 0;
  beforeAll(async () => {
    fauxqs = await startLocalFauxqs();
    dynamo = await startLocalDynamo();
    const endpoint = fauxqsEndpoint(fauxqs);
    sqs = new SQSClient({ region: "us-east-1", endpoint, credentials: localCredentials() });
    ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
    fauxqs.createBucket("mail");
    store = bucket(createStorageClient({ kind: "s3", region: "us-east-1", endpoint, forcePathStyle: true, credentials: localCredentials() }), "mail");
  });
  afterAll(async () => {
    await fauxqs?.stop();
    await dynamo?.close();
  });
  beforeEach(async () => {
    run++;
    const q = await sqs.send(new CreateQueueCommand({ QueueName: `events-${run}.fifo`, Attributes: { FifoQueue: "true" } }));
    queueUrl = q.QueueUrl!;
    table = `ledger-${run}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
  });
}

export function ledgerWith(now?: () => Date): Ledger {
  return createLedger({ tableName: table, client: createDocumentClient(ddb), ...(now ? { now } : {}) });
}

export function ports(over: Partial<IntakePorts> = {}): IntakePorts {
  return {
    storage: store,
    ledger: ledgerWith(),
    publisher: createPublisher({ client: sqs, queueUrl, groupId: (e) => e.id, maxAttempts: 1 }),
    config: emailConfig,
    waitForPeerMs: 3000,
    pollEveryMs: 20,
    ...over,
  };
}

export async function drain(): Promise<{ type: string; id: string; data: Record<string, unknown> }[]> {
  const out = [];
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const msgs = res.Messages ?? [];
    if (msgs.length === 0) return out;
    for (const m of msgs) {
      out.push(JSON.parse(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

export const s3Event = (key: string, bucketName = "mail") => ({
  Records: [{ eventVersion: "2.1", eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: bucketName }, object: { key, size: 1 } } }],
});
export const context = {} as Context;
