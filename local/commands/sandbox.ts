/**
 * `partner-ops sandbox`: runs the BSS sandbox (local/sandbox) in the foreground until SIGINT or
 * SIGTERM, and prints its URL and its sandbox-only credentials.
 */
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { sandboxEnv, startSandbox, type SandboxOptions } from "../sandbox/index.ts";

const usage = `Usage: partner-ops sandbox [options]

Runs a local server that behaves like Huawei Cloud BSS (and the IAM agency-token endpoint) on
seeded data, until Ctrl-C. Prints the settings to point partner-ops at it.

Options:
  --port N            listen port on 127.0.0.1 (default 0 = any free port)
  --customers N       number of sub-customers (default 20)
  --resources M       approximate yearly/monthly resources per customer (default 10)
  --seed S            data seed (default 1); same seed and sizes give the same data
  --fault-rate r      share of requests answered 500 CBC.0999 (0-1, default 0)
  --throttle-rate r   share of requests answered 429 CBC.0250 (0-1, default 0)
  --timeout-rate r    share of requests never answered (0-1, default 0)
  --ambiguous-rate r  share of write requests applied but answered 500/reset (0-1, default 0)
  --latency ms        added delay per request: ms or min-max (default none)
  --rate N            requests per second per (account, operation) (default: the catalogue's, 10)`;

interface Parsed {
  options: SandboxOptions;
}

function parseArgs(argv: string[]): Parsed {
  const options: SandboxOptions = {};
  const faults: NonNullable<SandboxOptions["faults"]> = {};
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!flag.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
    if (eq < 0) i++;
    if (seen.has(flag)) throw new UsageError(`${flag} given twice`);
    seen.add(flag);
    const int = (min: number, max: number): number => {
      if (!/^\d+$/.test(value!) || Number(value) < min || Number(value) > max) {
        throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
      }
      return Number(value);
    };
    const rate = (): number => {
      const n = Number(value);
      if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(value!) || !(n >= 0 && n <= 1)) throw new UsageError(`${flag} must be a number from 0 to 1, got "${value}"`);
      return n;
    };
    switch (flag) {
      case "--port":
        options.port = int(0, 65_535);
        break;
      case "--customers":
        options.customers = int(0, 1_000_000);
        break;
      case "--resources":
        options.resourcesPerCustomer = int(0, 1000);
        break;
      case "--seed":
        if (value.trim() === "") throw new UsageError("--seed must not be empty");
        options.seed = /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
        break;
      case "--fault-rate":
        faults.errorRate = rate();
        break;
      case "--throttle-rate":
        faults.throttleRate = rate();
        break;
      case "--timeout-rate":
        faults.timeoutRate = rate();
        break;
      case "--ambiguous-rate":
        faults.ambiguousRate = rate();
        break;
      case "--rate":
        options.ratePerSecond = int(1, 100_000);
        break;
      case "--latency": {
        const m = /^(\d+)(?:-(\d+))?$/.exec(value);
        if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
          throw new UsageError(`--latency must be milliseconds (e.g. 50) or a range min-max (e.g. 20-200), got "${value}"`);
        }
        faults.latencyMs = m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
        break;
      }
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  const sum = (faults.errorRate ?? 0) + (faults.throttleRate ?? 0) + (faults.timeoutRate ?? 0);
  if (sum > 1) throw new UsageError("--fault-rate + --throttle-rate + --timeout-rate must not exceed 1");
  if (Object.keys(faults).length > 0) options.faults = faults;
  return { options };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export const command: Command = {
  name: "sandbox",
  summary: "run a local BSS/IAM sandbox on seeded data (prints its URL and sandbox-only credentials)",
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { options } = parseArgs(argv);
    const stopped = untilSignal();
    const sandbox = await startSandbox(options);
    const customers = sandbox.data.customers.length;
    io.stderr.write(
      `BSS sandbox listening on ${sandbox.url} (${customers} customers, seed ${String(options.seed ?? 1)}). ` +
        "These credentials are sandbox-only: they work nowhere else. Ctrl-C to stop.\n",
    );
    const env = Object.entries(sandboxEnv(sandbox)).map(([k, v]) => `${k}=${v}\n`);
    io.stdout.write(env.join(""));
    const sig = await stopped;
    await sandbox.close();
    io.stderr.write(`BSS sandbox stopped (${sig}).\n`);
    return 0;
  },
};

export { parseArgs as parseSandboxArgs };
