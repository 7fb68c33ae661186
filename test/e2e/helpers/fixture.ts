/** Helpers for the engine e2e tests: start the fixture service, read what its functions recorded. */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { join, resolve } from "node:path";
import type { CommandIO } from "../../../local/cli.ts";
import { THROWAWAY_ENGINE, startEngine, type Engine, type EngineOptions } from "../../../local/engine/engine.ts";

export const fixtureFile = resolve(import.meta.dirname, "../../fixtures/engine-service/serverless.yml");

export function startFixture(options: EngineOptions = {}): Promise<Engine> {
  return startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile: fixtureFile,
    stage: "test",
    rateScale: 0.005, // rate(1 minute) → every 300 ms
    sandbox: "off",
    logLevel: "SILENT",
    env: {},
    ...options,
  });
}

export function bucketName(engine: Engine, logicalId: string): string {
  const b = engine.plan.buckets.find((x) => x.logicalId === logicalId);
  if (!b) throw new Error(`no bucket ${logicalId}`);
  return b.name;
}

export function queueName(engine: Engine, logicalId: string): string {
  const q = engine.queues.find((x) => x.logicalId === logicalId);
  if (!q) throw new Error(`no queue ${logicalId}`);
  return q.name;
}

export async function listKeys(engine: Engine, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: bucketName(engine, "ResultsBucket"), Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function readResult(engine: Engine, key: string): Promise<string> {
  const res = await engine.clients.s3.send(new GetObjectCommand({ Bucket: bucketName(engine, "ResultsBucket"), Key: key }));
  return res.Body!.transformToString();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function queueDepth(engine: Engine, name: string): { ready: number; inflight: number; delayed: number } {
  const q = engine.fauxqs.inspectQueue(name);
  return { ready: q?.messages.ready.length ?? 0, inflight: q?.messages.inflight.length ?? 0, delayed: q?.messages.delayed.length ?? 0 };
}

export function tmpDataDir(name: string): string {
  return join(process.env["TMPDIR"] ?? "/tmp", `po-e2e-${name}-${process.pid}-${Date.now()}`);
}

/** Command IO whose stdout and stderr are collected as text. */
export async function capturedIO(env: NodeJS.ProcessEnv = {}): Promise<{ io: CommandIO; stdout(): string; stderr(): string }> {
  const { PassThrough } = await import("node:stream");
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  return { io: { stdin: new PassThrough(), stdout, stderr, env }, stdout: () => out, stderr: () => err };
}

/** Captured CLI run. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import("../../../local/cli.ts");
  const c = await capturedIO();
  const code = await main(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}
