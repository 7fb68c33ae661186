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
import { procStatus, resetHwm, startBenchEmulators } from "./lib.ts";

export const INBOUND_BUCKET = "bench-inbound-mail";
export const LEDGER_TABLE = "bench-ledger";
export const EVENTS_QUEUE = "bench-invoice-events.fifo";

export type ToChild = { cmd: "reset" } | { cmd: "peak" } | { cmd: "invoke"; event: unknown } | { cmd: "stop" };
export interface Mem {
  rss: number;
  hwm: number;
  sampled: number;
}

async function emulators(): Promise<void> {
  const { fauxqsEndpoint, localQueueUrl } = await import("../local/engine/emulators.ts");
  const { fauxqs, dynamo } = await startBenchEmulators({ logicalId: "LedgerTable", name: LEDGER_TABLE });
  fauxqs.createBucket(INBOUND_BUCKET);
  const q = fauxqs.createQueue(EVENTS_QUEUE, { attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } });
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
        resetHwm(); // without it (older kernels) the sampled maximum remains
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
