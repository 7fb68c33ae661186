/**
 * `partner-ops invoke <function> --event events/<file>.json`: runs one function once with an event.
 * If an engine is running on the data directory, the function runs inside it (same queues, tables,
 * sandbox); otherwise an engine is started without triggers on the data directory, just for this call.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { engineControl, readRuntimeInfo, startEngine } from "../engine/engine.ts";
import { paramOptions, parseOptions } from "./args.ts";

const usage = `Usage: partner-ops invoke <function> --event <file.json | -> [--data-dir D | --in-memory]
                          [--service serverless.yml] [--stage S] [--param name=value]...

Invokes one function of serverless.yml with the event in the file (or stdin with "-") and prints
{"ok": true, "result": …} or {"ok": false, "error": {…}}; exit code 1 when the function failed.
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

    let out: { ok: boolean; result?: unknown; error?: { name: string; message: string } };
    const running = inMemory ? undefined : readRuntimeInfo(dataDir);
    if (running?.http) {
      io.stderr.write(`invoking ${fn} in the engine running on ${dataDir} (pid ${running.pid})\n`);
      const res = await engineControl(running, `/_engine/invoke/${encodeURIComponent(fn)}`, event);
      const body = (await res.json()) as typeof out & { error?: unknown };
      if (res.status === 404) throw new UsageError(`no function "${fn}" in the running engine`);
      out = body;
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
        const res = await engine.invoke(fn, event);
        out = res.ok ? { ok: true, result: res.result ?? null } : { ok: false, error: { name: res.error.name, message: res.error.message } };
      } finally {
        await engine.close();
      }
    }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return out.ok ? 0 : 1;
  },
};
