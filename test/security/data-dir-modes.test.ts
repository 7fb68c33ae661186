/**
 * Issue 11.12: the data directory holds ID numbers and ID-card images, so everything in it is the
 * user's only — directories 0700, files 0600 — including what the SQS/S3 and DynamoDB emulators
 * write and what an older version left world-readable.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { bucketName, startFixture, tmpDataDir } from "../e2e/helpers/fixture.ts";

function modes(dir: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    out.push({ path: p.slice(dir.length) || "/", dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

const dir = tmpDataDir("modes");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("data directory permissions (issue 11.12)", () => {
  it("leaves every directory 0700 and every file 0600, old and new, and restores the umask", async () => {
    // What an older version left: a world-readable directory tree.
    mkdirSync(join(dir, "old", "deeper"), { recursive: true });
    writeFileSync(join(dir, "old", "deeper", "id-card.jpg"), "pretend image");
    chmodSync(join(dir, "old", "deeper", "id-card.jpg"), 0o644);
    for (const d of [dir, join(dir, "old"), join(dir, "old", "deeper")]) chmodSync(d, 0o755);
    const umaskBefore = process.umask();

    const engine = await startFixture({ inMemory: false, dataDir: dir, triggers: false });
    try {
      // Writes through every emulator (new files, new directories).
      await engine.clients.s3.send(new PutObjectCommand({ Bucket: bucketName(engine, "ResultsBucket"), Key: "a/b/id-card.jpg", Body: "image bytes" }));
      const queue = engine.queues[0]!;
      await engine.clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: "{}" }));
      const table = engine.plan.tables[0]!;
      const key = table.input.KeySchema![0]!.AttributeName!;
      await engine.clients.dynamodb.send(new PutItemCommand({ TableName: table.name, Item: { [key]: { S: "id-1" } } }));
      const entries = modes(dir);
      expect(entries.length).toBeGreaterThan(6);
      expect(entries.filter((e) => e.dir && e.mode !== 0o700)).toEqual([]);
      expect(entries.filter((e) => !e.dir && (e.mode & 0o077) !== 0)).toEqual([]);
    } finally {
      await engine.close();
    }
    expect(process.umask()).toBe(umaskBefore);
    const after = modes(dir);
    expect(after.filter((e) => (e.dir ? e.mode !== 0o700 : (e.mode & 0o077) !== 0))).toEqual([]);
  });
});
