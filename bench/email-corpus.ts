/**
 * Issue 13: exact-match rate of the invoice-email extraction on the generated corpus
 * (test/email-corpus/generator.ts: 16 notice templates + mutations of 4 shared fixtures' text, each
 * fixture one template), split by template into the tuning part and the unseen part.
 * Prints corpus size, templates, exact / needs-review / wrong-but-clean / missed per part, and the
 * first differences. Targets: ≥ 98 % exact on the unseen part, 0 wrong-but-clean.
 *
 *   node bench/email-corpus.ts [--per-template N] [--seed S]
 */
import { parseInvoiceEmail, resolveEmailConfig } from "../shared/email/index.ts";
import { corpus, fixtureMutants, FIXTURE_TEMPLATES, judge, TEMPLATES, type Verdict } from "../test/email-corpus/generator.ts";
import { formatTable, isMain, type BenchResult } from "./lib.ts";

export async function run(options: { perTemplate?: number; seed?: number } = {}): Promise<BenchResult> {
  const per = options.perTemplate ?? 200;
  const seed = options.seed ?? 1;
  const cfg = resolveEmailConfig({ internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] });
  const counts = { tune: new Map<Verdict, number>(), unseen: new Map<Verdict, number>() };
  const samples: string[] = [];
  let total = 0;
  for (const m of [...corpus(per, seed), ...(await fixtureMutants(per, seed))]) {
    const r = await parseInvoiceEmail(m.raw, cfg);
    const j = judge(r.notice as unknown as Record<string, unknown>, m.expected);
    counts[m.split].set(j.verdict, (counts[m.split].get(j.verdict) ?? 0) + 1);
    if (j.verdict !== "exact" && samples.length < 10) samples.push(`${m.template} #${m.index} ${j.verdict}: ${j.diff.join("; ").slice(0, 300)}`);
    total++;
  }
  const n = (split: "tune" | "unseen", v: Verdict) => counts[split].get(v) ?? 0;
  const size = (split: "tune" | "unseen") => [...counts[split].values()].reduce((a, b) => a + b, 0);
  const pct = (split: "tune" | "unseen") => (100 * n(split, "exact")) / Math.max(1, size(split));
  const wrong = n("tune", "wrong-but-clean") + n("unseen", "wrong-but-clean");
  return {
    name: "email-corpus",
    rows: [
      { metric: "messages", value: total },
      { metric: "templates, tune", value: TEMPLATES.filter((t) => t.split === "tune").length + FIXTURE_TEMPLATES.filter((t) => t.split === "tune").length },
      { metric: "templates, unseen", value: TEMPLATES.filter((t) => t.split === "unseen").length + FIXTURE_TEMPLATES.filter((t) => t.split === "unseen").length },
      { metric: "exact, unseen", value: Number(pct("unseen").toFixed(2)), unit: "%", target: ">= 98", pass: pct("unseen") >= 98 },
      { metric: "exact, tune", value: Number(pct("tune").toFixed(2)), unit: "%" },
      { metric: "needs-review", value: n("tune", "needs-review") + n("unseen", "needs-review") },
      { metric: "wrong-but-clean", value: wrong, target: "0", pass: wrong === 0 },
      { metric: "missed (not recognised)", value: n("tune", "missed") + n("unseen", "missed") },
    ],
    notes: [`${per} messages per template, seed ${seed}`, ...samples],
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (isMain(import.meta.url)) {
  const result = await run({ perTemplate: Number(arg("--per-template") ?? 200), seed: Number(arg("--seed") ?? 1) });
  console.log(formatTable([result]));
  for (const note of result.notes ?? []) console.log(`note: ${note}`);
}
