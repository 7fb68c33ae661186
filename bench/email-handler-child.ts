/**
 * Children for bench/email.ts's whole-function memory measurement of invoice-email:
 *   --emulators : fauxqs (S3 + SQS) and dynalite (DynamoDB, the ledger table as serverless.yml
 *                 declares it), standing in for S3, SQS and DynamoDB; not measured;
 *   --function  : imports functions/invoice-email/handler.ts (the deployed module and wiring),
 *                 pointed at the emulators, started by the bench with the heap flags Lambda applies
 *                 for the function's memory size; the bench invokes its handler with S3
 *                 ObjectCreated events over IPC and reads this process's peak RSS (VmHWM, reset
 *                 per phase with clear_refs, cross-checked with a 2 ms sampler).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const INBOUND_BUCKET = "bench-inbound-mail";
export const LEDGER_TABLE = "bench-ledger";
export const EVENTS_QUEUE = "bench-invoice-events.fifo";

export type ToChild = { cmd: "reset" } | { cmd: "peak" } | { cmd: "invoke"; event: unknown } | { cmd: "stop" };
export interface Mem {
  rss: number;
  hwm: number;
  sampled: number;
}

function procStatus(): { rss: number; hwm: number } {
  const text = readFileSync("/proc/self/status", "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

async function emulators(): Promise<void> {
  const { startLocalFauxqs, startLocalDynamo, fauxqsEndpoint, localCredentials, localQueueUrl } = await import("../local/engine/emulators.ts");
  const { CreateTableCommand, DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { declaredTable } = await import("../local/engine/resources.ts");
  const { loadService } = await import("../local/engine/service.ts");
  const fauxqs = await startLocalFauxqs({});
  fauxqs.createBucket(INBOUND_BUCKET);
  const q = fauxqs.createQueue(EVENTS_QUEUE, { attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } });
  const dynamo = await startLocalDynamo();
  const ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  const model = loadService(fileURLToPath(new URL("../serverless.yml", import.meta.url)), { stage: "bench" });
  await ddb.send(new CreateTableCommand(declaredTable(model, "LedgerTable", LEDGER_TABLE)));
  ddb.destroy();
  process.on("message", async (m: ToChild) => {
    if (m.cmd !== "stop") return;
    await fauxqs.stop();
    await dynamo.close();
    process.exit(0);
  });
  process.send!({ ready: true, s3: fauxqsEndpoint(fauxqs), dynamodb: dynamo.endpoint, queueUrl: localQueueUrl(fauxqs, q.queueName) });
}

async function fn(): Promise<void> {
  const { handler } = (await import("../functions/invoice-email/handler.ts")) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
  let sampled = 0;
  const sampler = setInterval(() => {
    const r = process.memoryUsage.rss();
    if (r > sampled) sampled = r;
  }, 2);
  const gc = (globalThis as { gc?: () => void }).gc;
  let seq = 0;
  const context = () => ({
    awsRequestId: `bench-${++seq}`,
    functionName: "partner-ops-bench-invoice-email",
    functionVersion: "$LATEST",
    memoryLimitInMB: process.env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
    getRemainingTimeInMillis: () => 60_000,
  });
  process.on("message", async (m: ToChild) => {
    try {
      if (m.cmd === "invoke") {
        const result = await handler(m.event, context());
        process.send!({ result: result ?? null });
      } else if (m.cmd === "reset") {
        gc?.();
        try {
          writeFileSync("/proc/self/clear_refs", "5");
        } catch {
          // no VmHWM reset on this kernel: the sampled maximum remains
        }
        const s = procStatus();
        sampled = s.rss;
        process.send!({ mem: true, ...s, sampled });
      } else if (m.cmd === "peak") {
        process.send!({ mem: true, ...procStatus(), sampled });
      } else if (m.cmd === "stop") {
        clearInterval(sampler);
        process.exit(0);
      }
    } catch (err) {
      process.send!({ error: (err as Error).stack ?? String(err) });
    }
  });
  process.send!({ ready: true });
}

if (process.argv.includes("--emulators")) await emulators();
else if (process.argv.includes("--function")) await fn();
