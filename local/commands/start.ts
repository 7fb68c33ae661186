/**
 * `partner-ops start` (`npm start`): runs every function of serverless.yml on this machine until
 * Ctrl-C / SIGTERM, then stops taking work, finishes what is in flight and exits.
 */
import type { Command } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { startEngine, type EngineOptions } from "../engine/engine.ts";
import { installHumanLog } from "../engine/human-log.ts";
import { paramOptions, parseOptions, portOption } from "./args.ts";

const usage = `Usage: partner-ops start [--data-dir D] [--in-memory] [--port P] [--smtp-port S] [--smtp-max-bytes N]
                         [--service serverless.yml] [--stage S] [--param name=value]... [--sandbox auto|on|off] [--json]

Runs every function of serverless.yml in this process: SQS/S3 (fauxqs) and DynamoDB (dynalite) emulators,
queue consumers, HTTP routes, schedules, S3 triggers, an SMTP ingress for the SES receipt rules, and the BSS
sandbox when HWC_AK/HWC_SK are not set. Everything listens on 127.0.0.1.

  --data-dir D     where queues, objects and tables persist (default .partner-ops)
  --in-memory      keep nothing on disk (tests, demos)
  --port P         webhook/API port (default 3000)
  --smtp-port S    SMTP ingress port (default 2525)
  --smtp-max-bytes N  largest accepted mail (default 40 MB, SES's limit)
  --service F      the serverless.yml to run (default ./serverless.yml)
  --stage S        stage for \${sls:stage} (default: provider.stage, else "local")
  --param k=v      value for \${param:k}
  --sandbox MODE   auto (default), on, off
  --json           the log as Powertools JSON lines (the default when stdout is not a terminal); on a
                   terminal it is one short line per event, coloured, each repeated warning shown once
  --console-port P the ops console's port (default 4000; 0 = any free port; "off" = no console)

Environment: HWC_AK/HWC_SK (+ HWC_ENDPOINT …) use the real BSS instead of the sandbox; POWERTOOLS_LOG_LEVEL
or LOG_LEVEL sets the log level; WEBHOOK_SECRET overrides the generated local webhook secret.`;

export const command: Command = {
  name: "start",
  summary: "run every function of serverless.yml on this machine (embedded engine)",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, { values: ["data-dir", "port", "smtp-port", "smtp-max-bytes", "service", "stage", "param", "sandbox", "region", "console-port"], flags: ["in-memory", "json"] });
    if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const sandbox = args.values.get("sandbox") ?? "auto";
    if (sandbox !== "auto" && sandbox !== "on" && sandbox !== "off") throw new UsageError("--sandbox must be auto, on or off");
    const httpPort = portOption(args, "port");
    const smtpPort = portOption(args, "smtp-port");
    const maxBytesText = args.values.get("smtp-max-bytes");
    const smtpMaxBytes = maxBytesText === undefined ? undefined : Number(maxBytesText);
    if (smtpMaxBytes !== undefined && (!Number.isInteger(smtpMaxBytes) || smtpMaxBytes < 1024)) throw new UsageError("--smtp-max-bytes must be an integer ≥ 1024");
    const options: EngineOptions = {
      env: io.env,
      sandbox,
      rateKickoffMs: 1000,
      params: paramOptions(args),
      inMemory: args.flags.has("in-memory"),
      ...(args.values.has("data-dir") ? { dataDir: args.values.get("data-dir")! } : {}),
      ...(args.values.has("service") ? { serviceFile: args.values.get("service")! } : {}),
      ...(args.values.has("stage") ? { stage: args.values.get("stage")! } : {}),
      ...(args.values.has("region") ? { region: args.values.get("region")! } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
      ...(smtpPort !== undefined ? { smtpPort } : {}),
      ...(smtpMaxBytes !== undefined ? { smtpMaxBytes } : {}),
    };
    const stdout = io.stdout as NodeJS.WriteStream;
    const human = !args.flags.has("json") && stdout === process.stdout && stdout.isTTY === true;
    const restoreLog = human ? installHumanLog([stdout, process.stderr], { color: stdout.hasColors?.() === true && !io.env["NO_COLOR"] }) : undefined;
    const engine = await startEngine(options).catch((err: unknown) => {
      restoreLog?.();
      throw err;
    });
    io.stdout.write(engine.banner());
    // The ops console (console/), in this process, with actions (the local engine is the developer's own).
    const consolePort = args.values.get("console-port") === "off" ? undefined : (portOption(args, "console-port") ?? 4000);
    let opsConsole: { url: string; close(): Promise<void> } | undefined;
    if (consolePort !== undefined) {
      const { startConsole } = await import("../../console/server.ts");
      const { fromEngine } = await import("../../console/sources.ts");
      opsConsole = await startConsole({ sources: fromEngine(engine), port: consolePort, allowActions: true }).catch((err: Error) => {
        io.stderr.write(`ops console not started (${err.message}); try --console-port 0\n`);
        return undefined;
      });
      if (opsConsole) io.stdout.write(`  ops console    ${opsConsole.url}  (partner-ops console; actions enabled)\n`);
    }

    return new Promise<number>((resolveExit) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          io.stderr.write(`${signal} again: exiting now; messages in flight will be delivered again on the next start\n`);
          process.exit(130);
        }
        stopping = true;
        io.stderr.write(`${signal}: finishing the work in flight (press Ctrl-C again to exit at once)\n`);
        Promise.resolve(opsConsole?.close())
          .then(() => engine.close())
          .then(
          () => resolveExit(0),
          (err: unknown) => {
            io.stderr.write(`shutdown error: ${(err as Error).message}\n`);
            resolveExit(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
  },
};
