/**
 * `partner-ops metrics [--data-dir D] [--file F] [--json]`: the operator metrics (issue 16.2) the
 * functions counted locally — reminders due/sent/failed per channel, notices by kind, applications by
 * state, BSS calls/retries/throttles per operation, records skipped in scans — summed from the EMF
 * lines the embedded engine keeps in <data-dir>/metrics.jsonl (the same objects CloudWatch reads on AWS).
 */
import { resolve } from "node:path";
import type { Command } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { METRICS_FILE_MAX_BYTES, metricsFileOf, readMetricsFile } from "../../shared/metrics/index.ts";

const usage = `Usage: partner-ops metrics [--data-dir D] [--file F] [--json]

Sums the metrics the functions wrote (EMF lines) in <data-dir>/metrics.jsonl (default data dir
.partner-ops), or in F (any file of EMF or log lines, e.g. a CloudWatch Logs export).
--json  one JSON array of {namespace, name, dimensions, value}.`;

export const command: Command = {
  name: "metrics",
  summary: "operator metrics counted by the local engine's functions",
  usage,
  async run(argv, io) {
    let dataDir = ".partner-ops";
    let file: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const value = () => {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        return v;
      };
      if (a === "--data-dir") dataDir = value();
      else if (a === "--file") file = value();
      else if (a === "--json") json = true;
      else throw new UsageError(`unknown argument ${a}`);
    }
    const path = resolve(file ?? metricsFileOf(dataDir));
    const read = readMetricsFile(path);
    if ("missing" in read) {
      io.stderr.write(`no metrics yet: ${path} does not exist (start the engine with npm start and let it work)\n`);
      return 1;
    }
    if ("tooLarge" in read) {
      io.stderr.write(`${path} is larger than ${METRICS_FILE_MAX_BYTES} bytes; pass a smaller --file\n`);
      return 1;
    }
    const totals = read.totals;
    if (json) {
      io.stdout.write(`${JSON.stringify(totals)}\n`);
      return 0;
    }
    if (totals.length === 0) {
      io.stdout.write("no metrics recorded yet\n");
      return 0;
    }
    const rows = totals.map((t) => [t.name, Object.entries(t.dimensions).filter(([k]) => k !== "service").map(([k, v]) => `${k}=${v}`).join(" "), String(t.value)]);
    const w0 = Math.max(6, ...rows.map((r) => r[0]!.length));
    const w1 = Math.max(10, ...rows.map((r) => r[1]!.length));
    io.stdout.write(`${"metric".padEnd(w0)}  ${"dimensions".padEnd(w1)}  value\n`);
    for (const r of rows) io.stdout.write(`${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}\n`);
    return 0;
  },
};
