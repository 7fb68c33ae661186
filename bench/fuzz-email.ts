/**
 * Long fuzz run of the invoice-email parser: >= 100,000 hostile inputs (mutated fixtures, random
 * bytes, header soup; see test/unit/email/fuzz-inputs.ts), generated in seeded batches so a failure
 * can be replayed. A failure is: parseInvoiceEmail threw, returned a notice that is not schema-v1,
 * or hit its internal-error guard. Prints count, failures, inputs/s and the slowest input.
 *
 * With --mutants-only (issue 11, MIME mutation fuzzer): only mutated fixtures (including nesting,
 * long hostile lines and broken RFC 2047 words), each under the intake's own per-input bound
 * (parse timeout + extraction budget); prints the count, the slowest input and how many hit the bound.
 *
 *   node bench/fuzz-email.ts [--inputs N] [--seed S] [--mutants-only]
 */
import fc from "fast-check";
import { InvoiceNoticeV1Schema, parseInvoiceEmail, resolveEmailConfig } from "../shared/email/index.ts";
import { fuzzInput, loadFixtures, mutantInput } from "../test/unit/email/fuzz-inputs.ts";
import { formatTable, isMain, type BenchResult } from "./lib.ts";

export interface FuzzFailure {
  seed: number;
  index: number;
  why: string;
}

export async function run(
  options: { inputs?: number; seed?: number; batch?: number; mutantsOnly?: boolean; onProgress?: (done: number) => void } = {},
): Promise<BenchResult & { failures: FuzzFailure[] }> {
  const mutantsOnly = options.mutantsOnly ?? false;
  const total = options.inputs ?? (mutantsOnly ? 20_000 : 100_000);
  const seed0 = options.seed ?? 1;
  const batch = options.batch ?? 1000;
  const fixtures = loadFixtures();
  const arb = mutantsOnly ? mutantInput(fixtures) : fuzzInput(fixtures);
  // the per-input bound: the intake's own limits (defaults: parse 20 s, extraction 10 s)
  const config = resolveEmailConfig({ internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] });
  let bounded = 0;
  const failures: FuzzFailure[] = [];
  const kinds = new Map<string, number>();
  let done = 0;
  let bytes = 0;
  let slowest = { ms: 0, seed: 0, index: 0, size: 0 };
  const start = performance.now();
  for (let b = 0; done < total; b++) {
    const seed = seed0 + b;
    const inputs = fc.sample(arb, { numRuns: Math.min(batch, total - done), seed });
    for (const [index, raw] of inputs.entries()) {
      const t = performance.now();
      try {
        const r = await parseInvoiceEmail(raw, config);
        const v = InvoiceNoticeV1Schema.safeParse(r.notice);
        if (!v.success) failures.push({ seed, index, why: `not schema-v1: ${v.error.issues[0]?.message}` });
        else if (r.quarantine?.reason === "internal-error") failures.push({ seed, index, why: `internal error: ${r.quarantine.detail}` });
        if (r.quarantine?.reason === "parse-timeout" || r.quarantine?.reason === "extraction-over-budget") bounded++;
        const k = r.quarantine ? `quarantine:${r.quarantine.reason}` : r.notice.kind;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      } catch (err) {
        failures.push({ seed, index, why: `threw: ${(err as Error).message}` });
      }
      const ms = performance.now() - t;
      if (ms > slowest.ms) slowest = { ms, seed, index, size: raw.length };
      bytes += raw.length;
      done++;
    }
    options.onProgress?.(done);
  }
  const seconds = (performance.now() - start) / 1000;
  const kindNote = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
  return {
    name: mutantsOnly ? "fuzz-email (MIME mutants)" : "fuzz-email",
    rows: [
      mutantsOnly ? { metric: "mutants", value: done, target: ">= 20,000", pass: done >= 20_000 } : { metric: "inputs", value: done, target: ">= 100,000", pass: done >= 100_000 },
      { metric: "failures", value: failures.length, target: "0", pass: failures.length === 0 },
      { metric: "inputs/s", value: Math.round(done / seconds) },
      { metric: "slowest input", value: Math.round(slowest.ms), unit: "ms", target: `< ${config.parseTimeoutMs + config.extractionBudget.ms} (bound)`, pass: slowest.ms < config.parseTimeoutMs + config.extractionBudget.ms },
      { metric: "stopped by the bound", value: bounded },
    ],
    notes: [
      `seeds ${seed0}..${seed0 + Math.ceil(total / batch) - 1} (batches of ${batch}); ${(bytes / 1048576).toFixed(0)} MB in ${seconds.toFixed(0)} s; mean input ${Math.round(bytes / done)} bytes`,
      `results: ${kindNote}`,
      `slowest: seed ${slowest.seed} #${slowest.index}, ${slowest.size} bytes`,
      ...failures.slice(0, 10).map((f) => `FAILURE seed ${f.seed} #${f.index}: ${f.why}`),
    ],
    failures,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (isMain(import.meta.url)) {
  const mutantsOnly = process.argv.includes("--mutants-only");
  const inputs = Number(arg("--inputs") ?? (mutantsOnly ? 20_000 : 100_000));
  const seed = Number(arg("--seed") ?? 1);
  const result = await run({ inputs, seed, mutantsOnly, onProgress: (d) => d % 10_000 === 0 && process.stderr.write(`  ${d.toLocaleString("en-US")} inputs\n`) });
  console.log(formatTable([result]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
  process.exitCode = result.failures.length ? 1 : 0;
}
