/**
 * `partner-ops console`: the ops console (console/) on 127.0.0.1, against the local engine running on
 * a data directory or against a deployed AWS stage (the operator's own AWS credentials).
 */
import type { Command } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { parseOptions, portOption } from "./args.ts";

const usage = `Usage: partner-ops console [--stage local|<aws stage>] [--port P] [--allow-actions]
                          [--data-dir D] [--region R] [--service serverless.yml]

Starts the ops console on http://127.0.0.1:<port> (default 4000; never another interface).
  --stage local    (default) the engine running on --data-dir (default .partner-ops; start it with npm start)
  --stage <name>   a deployed stage: stack <service>-<name>, names from CloudFormation, credentials from the
                   AWS SDK default chain (AWS_PROFILE, environment, SSO, instance role); --region or AWS_REGION
  --allow-actions  enable the actions (resend, replay, reprocess, retry, mark); without it the console only reads
See README "Console" for the IAM permissions each mode needs.`;

export const command: Command = {
  name: "console",
  summary: "the ops console (web UI on 127.0.0.1) for the local engine or an AWS stage",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, { values: ["stage", "port", "data-dir", "region", "service"], flags: ["allow-actions"] });
    if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const stage = args.values.get("stage") ?? "local";
    if (!/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new UsageError("--stage must be letters, digits and dashes");
    const port = portOption(args, "port") ?? 4000;
    const { startConsole } = await import("../../console/server.ts");
    const { fromAwsStage, fromRunningEngine } = await import("../../console/sources.ts");
    const sources =
      stage === "local"
        ? await fromRunningEngine(args.values.get("data-dir") ?? ".partner-ops")
        : await fromAwsStage({ stage, ...(args.values.has("region") ? { region: args.values.get("region")! } : {}), ...(args.values.has("service") ? { serviceFile: args.values.get("service")! } : {}) });
    const server = await startConsole({ sources, port, allowActions: args.flags.has("allow-actions") });
    io.stdout.write(`partner-ops console: ${server.url}  (stage ${stage}, ${args.flags.has("allow-actions") ? "actions enabled" : "read-only"})\n`);
    return new Promise<number>((resolveExit) => {
      const stop = () => {
        void server.close().then(() => {
          sources.close();
          resolveExit(0);
        });
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
};
