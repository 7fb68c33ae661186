/**
 * `partner-ops` command dispatcher. Each command lives in local/commands/<name>.ts and exports
 * `command: Command`. Commands return an exit code; they write results to stdout and
 * human-facing messages to stderr, and never echo secrets.
 */
import { readFileSync } from "node:fs";

export interface CommandIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Command name -> module path (loaded lazily so `partner-ops sign` does not load the engine). */
const commands: Record<string, string> = {
  sign: "./commands/sign.ts",
  call: "./commands/call.ts",
  sandbox: "./commands/sandbox.ts",
  start: "./commands/start.ts",
  invoke: "./commands/invoke.ts",
  dlq: "./commands/dlq.ts",
  "parse-email": "./commands/parse-email.ts",
  chaos: "./commands/chaos.ts",
  demo: "./commands/demo.ts",
  console: "./commands/console.ts",
  metrics: "./commands/metrics.ts",
  outbox: "./commands/outbox.ts",
};

/** Raised by commands for a usage mistake: printed as one line plus the usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

async function load(name: string): Promise<Command | undefined> {
  const path = commands[name];
  if (!path) return undefined;
  try {
    return ((await import(path)) as { command: Command }).command;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String((err as Error).message).includes(path.slice(2))) {
      return undefined; // command not built yet
    }
    throw err;
  }
}

async function help(io: CommandIO): Promise<void> {
  const lines = ["partner-ops — automation for a Huawei Cloud partner's back office", "", "Commands:"];
  for (const name of Object.keys(commands)) {
    const c = await load(name);
    if (c) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  }
  lines.push("", "Run `partner-ops <command> --help` for a command's options, `partner-ops --version` for the version.");
  io.stdout.write(lines.join("\n") + "\n");
}

export async function main(argv: string[], io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    io.stdout.write(`partner-ops ${pkg.version} (node ${process.versions.node})\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await help(io);
    return name ? 0 : 2;
  }
  const cmd = await load(name);
  if (!cmd) {
    io.stderr.write(`partner-ops: unknown command "${name}". Run \`partner-ops --help\` for the list.\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`partner-ops ${name}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    const e = err as Error;
    io.stderr.write(`partner-ops ${name}: ${e.message}\n`);
    if (io.env["PARTNER_OPS_DEBUG"]) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
