/**
 * `partner-ops invoke <function> --event events/<file>.json`: runs one function once with an event.
 * If an engine is running on the data directory, the function runs inside it (same queues, tables,
 * sandbox); otherwise an engine is started without triggers on the data directory, just for this call.
 * Sample events are made to work at invoke time (./invoke-samples.ts): webhook samples are signed with
 * the engine's secret, the sample application is created first, the invoice sample's mail uploaded.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { localCredentials } from "../engine/emulators.ts";
import { engineControl, readRuntimeInfo, startEngine } from "../engine/engine.ts";
import { paramOptions, parseOptions } from "./args.ts";
import { failedBatchItems, prepareSample, type SampleContext } from "./invoke-samples.ts";

const usage = `Usage: partner-ops invoke <function> --event <file.json | -> [--data-dir D | --in-memory]
                          [--service serverless.yml] [--stage S] [--param name=value]...

Invokes one function of serverless.yml with the event in the file (or stdin with "-") and prints
{"ok": true, "result": …} or {"ok": false, "error": {…}} on stdout; exit code 1 when the function
failed or answered a batch with failed items (named on stderr).
A webhook event (with X-Partner-Ops-Signature) is signed at invoke time with the engine's secret; the
real-name samples naming the sample application create one first; the invoice-email sample uploads
its fixture mail first.
Uses the engine running on the data directory (default .partner-ops) if there is one; otherwise
starts one without triggers for this call.`;

async function readEvent(path: string, io: CommandIO): Promise<unknown> {
  let text: string;
  if (path === "-") {
    const chunks: Buffer[] = [];
    for await (const c of io.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
    text = Buffer.concat(chunks).toString("utf8");
  } else {
    try {
      text = readFileSync(resolve(path), "utf8");
    } catch {
      throw new UsageError(`cannot read event file ${path}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path === "-" ? "stdin" : path} is not JSON`);
  }
}

type Outcome = { ok: boolean; result?: unknown; error?: { name: string; message: string } };

function firstSecret(list: string | undefined): string | undefined {
  return list?.split(",").map((s) => s.trim()).find(Boolean);
}

export const command: Command = {
  name: "invoke",
  summary: "invoke one function with an event file (inside the running engine, or a temporary one)",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, { values: ["event", "data-dir", "service", "stage", "param", "region"], flags: ["in-memory"] });
    const [fn, ...extra] = args.positional;
    if (!fn) throw new UsageError("missing <function>");
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const eventPath = args.values.get("event");
    if (!eventPath) throw new UsageError("missing --event <file.json>");
    const event = await readEvent(eventPath, io);
    const inMemory = args.flags.has("in-memory");
    const dataDir = resolve(args.values.get("data-dir") ?? ".partner-ops");
    const note = (line: string) => io.stderr.write(`invoke: ${line}\n`);

    let out: Outcome;
    const running = inMemory ? undefined : readRuntimeInfo(dataDir);
    if (running?.http) {
      io.stderr.write(`invoking ${fn} in the engine running on ${dataDir} (pid ${running.pid})\n`);
      let local: Record<string, string> = {};
      try {
        local = JSON.parse(readFileSync(join(dataDir, "local-secrets.json"), "utf8")) as Record<string, string>;
      } catch {
        // none: the engine's shell set WEBHOOK_SECRET
      }
      const s3 = new S3Client({ region: running.region, endpoint: running.fauxqs, credentials: localCredentials(), forcePathStyle: true });
      const call = async (name: string, ev: unknown): Promise<Outcome & { status: number }> => {
        const res = await engineControl(running, `/_engine/invoke/${encodeURIComponent(name)}`, ev);
        return { ...((await res.json()) as Outcome), status: res.status };
      };
      try {
        const ctx: SampleContext = { webhookSecret: firstSecret(io.env["WEBHOOK_SECRET"]) ?? firstSecret(local["WEBHOOK_SECRET"]), s3, invoke: call, note };
        const res = await call(fn, await prepareSample(fn, event, ctx));
        if (res.status === 404) throw new UsageError(`no function "${fn}" in the running engine`);
        if (res.status === 401) throw new Error(`the engine refused the control token in ${join(dataDir, "engine.json")} (restart it with this version)`);
        out = { ok: res.ok, ...(res.result !== undefined ? { result: res.result } : {}), ...(res.error ? { error: res.error } : {}) };
      } finally {
        s3.destroy();
      }
    } else {
      const engine = await startEngine({
        env: io.env,
        triggers: false,
        inMemory,
        dataDir,
        params: paramOptions(args),
        logLevel: "WARN",
        ...(args.values.has("service") ? { serviceFile: args.values.get("service")! } : {}),
        ...(args.values.has("stage") ? { stage: args.values.get("stage")! } : {}),
        ...(args.values.has("region") ? { region: args.values.get("region")! } : {}),
      });
      try {
        if (!engine.model.functions.some((f) => f.name === fn)) {
          throw new UsageError(`no function "${fn}" (functions: ${engine.model.functions.map((f) => f.name).join(", ") || "none"})`);
        }
        const call = async (name: string, ev: unknown): Promise<Outcome> => {
          const res = await engine.invoke(name, ev);
          return res.ok ? { ok: true, result: res.result ?? null } : { ok: false, error: { name: res.error.name, message: res.error.message } };
        };
        const secret = engine.model.functions.some((f) => f.name === "realname-api") ? firstSecret(engine.functionEnv("realname-api")["WEBHOOK_SECRET"]) : undefined;
        out = await call(fn, await prepareSample(fn, event, { webhookSecret: secret, s3: engine.clients.s3, invoke: call, note }));
      } finally {
        await engine.close();
      }
    }
    const failed = out.ok ? failedBatchItems(out.result) : [];
    if (failed.length > 0) {
      out = { ...out, ok: false, error: { name: "BatchItemFailures", message: `${failed.length} batch item(s) failed: ${failed.join(", ")} (see the log above)` } };
      io.stderr.write(`invoke: ${fn} reported ${failed.length} failed batch item(s): ${failed.join(", ")}\n`);
    }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return out.ok ? 0 : 1;
  },
};
