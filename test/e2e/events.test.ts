/**
 * Issue 15.5: every sample event in events/ works when invoked the way `partner-ops invoke` does it
 * (signed at invoke time, sample application created first, invoice fixture uploaded first), on the
 * project's own serverless.yml with its BSS sandbox; and `invoke` exits 1 naming failed batch items.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngine, THROWAWAY_ENGINE, type Engine } from "../../local/engine/engine.ts";
import { failedBatchItems, prepareSample } from "../../local/commands/invoke-samples.ts";
import { Readable } from "node:stream";
import { capturedIO, fixtureFile } from "./helpers/fixture.ts";
import { WorkItem } from "../fixtures/engine-service/handlers/messages.ts";
import { main } from "../../local/cli.ts";

const root = resolve(import.meta.dirname, "../..");
const files = readdirSync(resolve(root, "events")).filter((f) => f.endsWith(".json") && !f.includes(".sample."));
const functionOf = (file: string) => (file.startsWith("realname-api-") ? "realname-api" : file.replace(/\.json$/, ""));

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ ...THROWAWAY_ENGINE, serviceFile: resolve(root, "serverless.yml"), triggers: false, sandbox: "on", env: {}, logLevel: "SILENT" });
}, 60_000);
afterAll(() => engine?.close());

describe("sample events", () => {
  it("covers every function of serverless.yml", () => {
    expect(new Set(files.map(functionOf))).toEqual(new Set(engine.model.functions.map((f) => f.name)));
  });

  for (const file of files) {
    it(`events/${file} works`, async () => {
      const fn = functionOf(file);
      const call = async (name: string, ev: unknown) => {
        const r = await engine.invoke(name, ev);
        return r.ok ? { ok: true, result: r.result } : { ok: false, error: { name: r.error.name, message: r.error.message } };
      };
      const event = await prepareSample(fn, JSON.parse(readFileSync(resolve(root, "events", file), "utf8")), {
        webhookSecret: engine.functionEnv("realname-api")["WEBHOOK_SECRET"],
        s3: engine.clients.s3,
        invoke: call,
        note: () => undefined,
      });
      const out = await call(fn, event);
      expect(out.error).toBeUndefined();
      expect(failedBatchItems(out.result)).toEqual([]);
      const status = (out.result as { statusCode?: number } | null)?.statusCode;
      if (status !== undefined) {
        expect(status, JSON.stringify(out.result)).toBeLessThan(500);
        expect(status).not.toBe(401);
        if (file === "realname-api-create.json") expect(status).toBe(201);
        if (file === "realname-api-get.json") expect(status).toBe(200);
        if (file === "realname-api-submit.json") expect(status).toBe(202);
      }
      if (fn === "invoice-email") expect(JSON.stringify(out.result)).toContain('"status":"processed"');
    });
  }

  it("`invoke` exits 1 and says so when a batch item failed", async () => {
    const c = await capturedIO();
    const envelope = WorkItem.create({ n: 7, fail: "always" }, { id: "poison-1" });
    const record = { messageId: "m-1", receiptHandle: "x", body: JSON.stringify(envelope), attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" }, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:engine-fixture-test-work", awsRegion: "us-east-1" };
    const stdin = Readable.from([JSON.stringify({ Records: [record] })]);
    const code = await main(["invoke", "worker", "--event", "-", "--in-memory", "--service", fixtureFile, "--stage", "test"], { ...c.io, stdin });
    expect(JSON.parse(c.stdout())).toMatchObject({ ok: false, error: { name: "BatchItemFailures" } });
    expect(code).toBe(1);
    expect(c.stderr()).toContain("worker reported 1 failed batch item(s): m-1");
  });
});
