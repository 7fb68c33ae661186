/**
 * Per-function Lambda cold import+init time and bundle size, each against a baseline built in the
 * same run: the FLOOR, a minimal handler that imports only the AWS SDK clients the function's bundle
 * contains and constructs them at init — so the ratio is what our own code adds on top.
 * (The sdk-core signer swap below — sdkCoreSignerPlugin, compareBuilds — is kept for the signer-swap
 * test, which checks that a signing bundle carries our signer and not sdk-core's.)
 *
 * - Functions and handlers come from serverless.yml through the engine's loader (stage "prod").
 * - Bundles are built with the esbuild JS API and the options of `custom.esbuild` in serverless.yml
 *   (serverless-esbuild's plugin-only keys removed, exactly as that plugin does), into a temp dir.
 * - import+init: a fresh `node` per sample times `await import(bundle)` (bench/bundle-init-child.ts)
 *   with the function's environment as the engine computes it (intrinsics against local resource
 *   names, queue URLs on 127.0.0.1), every endpoint rewritten to http://127.0.0.1:9 and
 *   test/e2e/helpers/deny-network.mjs preloaded: any non-loopback connection or DNS lookup fails the bench.
 * - Targets: bundle ≤ 700 KB, ≤ 250 KB when @aws-sdk/client-s3 is not in the bundle (KB = 1024 B);
 *   import+init (CPU time) ≤ 1.5x the floor, per function.
 *
 * `node bench/bundle.ts` runs it alone; `npm run bench` picks it up. BUNDLE_BENCH_SAMPLES overrides
 * the number of samples per build (default 5).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { BuildOptions, Metafile, Plugin } from "esbuild";
import { evaluateIntrinsics, toEnvValue } from "../local/engine/intrinsics.ts";
import { LOCAL_ACCOUNT, planResources } from "../local/engine/resources.ts";
import { loadService, type FunctionModel, type ServiceModel } from "../local/engine/service.ts";
import { formatTable, isMain, median, type BenchResult, type BenchRow } from "./lib.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const SHIM = fileURLToPath(new URL("./sdk-core-signer-shim.ts", import.meta.url));
const CHILD = fileURLToPath(new URL("./bundle-init-child.ts", import.meta.url));
const DENY_NETWORK = join(ROOT, "test/e2e/helpers/deny-network.mjs");
const NETWORK_MARK = "PARTNER-OPS-NETWORK-ATTEMPT";
/** Where nothing listens: a connection attempt during init fails fast instead of reaching anything. */
const LOOPBACK = "http://127.0.0.1:9";
const KB = 1024;
const SIZE_TARGET_KB = 700;
const SIZE_TARGET_NO_S3_KB = 250;
/**
 * Params serverless.yml leaves empty that a deployment must pass (`serverless deploy --param=…`)
 * for the functions to start: dummy values of the right shape.
 */
const DEPLOY_PARAMS: Readonly<Record<string, string>> = { hwcXaccountType: "bench_partner_platform" };

/** serverless-esbuild deletes these before calling esbuild (its bundle.js); so do we. */
const PLUGIN_ONLY_KEYS = new Set([
  "concurrency", "zipConcurrency", "exclude", "nativeZip", "packager", "packagePath", "watch", "keepOutputDirectory",
  "packagerOptions", "installExtraArgs", "outputFileExtension", "outputBuildFolder", "outputWorkFolder", "nodeExternals",
  "skipBuild", "skipRebuild", "skipBuildExcludeFns", "stripEntryResolveExtensions", "disposeContext", "config",
]);

// ---------------------------------------------------------------------------------------------
// Build

/** The esbuild options serverless-esbuild derives from `custom.esbuild` of the (variable-resolved) service. */
export function esbuildOptionsOf(model: ServiceModel): BuildOptions {
  const custom = (model.doc["custom"] ?? {}) as Record<string, unknown>;
  const raw = custom["esbuild"];
  if (!raw || typeof raw !== "object") throw new Error(`${model.file}: custom.esbuild is missing`);
  const file = raw as Record<string, unknown>;
  if (file["config"] !== undefined) throw new Error("custom.esbuild.config (a JS config file) is not supported by this bench");
  const options: Record<string, unknown> = { bundle: true, platform: "node" }; // serverless-esbuild defaults
  for (const [k, v] of Object.entries(file)) if (!PLUGIN_ONLY_KEYS.has(k) && k !== "plugins") options[k] = v;
  // `plugins` is a file (relative to the service) whose default export is the plugin list, loaded
  // with require() as serverless-esbuild does.
  if (typeof file["plugins"] === "string") {
    const mod = createRequire(import.meta.url)(resolve(dirname(model.file), file["plugins"])) as { default?: unknown };
    const plugins = mod.default ?? mod;
    if (!Array.isArray(plugins)) throw new Error(`custom.esbuild.plugins (${file["plugins"]}) must export a list of esbuild plugins`);
    options["plugins"] = plugins;
  } else if (file["plugins"] !== undefined) throw new Error("custom.esbuild.plugins must be a file path");
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const exclude = file["exclude"] === undefined ? ["aws-sdk"] : list(file["exclude"]); // plugin default: ["aws-sdk"]
  options["external"] = [...list(file["external"]), ...(exclude.includes("*") ? [] : exclude)];
  const ext = typeof file["outputFileExtension"] === "string" ? file["outputFileExtension"] : ".js";
  if (ext !== ".js") options["outExtension"] = { ".js": ext };
  return options as BuildOptions;
}

const SIGNING_MODULE = /(^|\/)signing\/(index|apig)(\.ts)?$/;

const SDK_SIGNER_SPECIFIER = "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js";

/**
 * Redirects the signer import of shared/bss (`../signing/index.ts`) to the sdk-core shim. Only
 * importers under shared/bss are redirected: other modules that import shared/signing for webhook
 * signatures keep the real module. sdk-core's AKSKSigner (CommonJS, so esbuild would otherwise keep
 * it for its possible side effects) is declared side-effect free: a bundle that reaches shared/bss
 * but never calls signRequest drops it, exactly as ours drops our signRequest, and builds identically.
 * When signRequest is used it stays, and its top-level require()s (moment, lodash) run at import.
 */
export function sdkCoreSignerPlugin(root = ROOT): Plugin {
  const bssDir = join(root, "shared", "bss") + sep;
  const signingDir = join(root, "shared", "signing") + sep;
  const sdkSigner = createRequire(SHIM).resolve(SDK_SIGNER_SPECIFIER);
  return {
    name: "sdk-core-signer",
    setup(build) {
      build.onResolve({ filter: SIGNING_MODULE }, (args) => {
        if (!args.importer.startsWith(bssDir)) return undefined;
        if (!resolve(args.resolveDir, args.path).startsWith(signingDir)) return undefined;
        return { path: SHIM };
      });
      build.onResolve({ filter: /^@huaweicloud\/huaweicloud-sdk-core\/auth\/AKSKSigner\.js$/ }, (args) =>
        args.importer === SHIM ? { path: sdkSigner, sideEffects: false } : undefined,
      );
    },
  };
}

export interface BuiltBundle {
  file: string;
  bytes: number;
  /** Bytes in the output per input path (relative to the project root, as esbuild reports them). */
  inputs: Record<string, number>;
  metafile: Metafile;
}

/** Builds one entry (a handler file, or module source given as `{ source }`) into `outdir`. */
export async function buildBundle(
  entry: string | { source: string },
  outdir: string,
  options: BuildOptions,
  baseline: boolean,
): Promise<BuiltBundle> {
  const result = await esbuild.build({
    ...options,
    ...(typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.source, resolveDir: ROOT, sourcefile: "entry.ts", loader: "ts" as const } }),
    outdir,
    absWorkingDir: ROOT,
    metafile: true,
    write: true,
    logLevel: "silent",
    plugins: [...(options.plugins ?? []), ...(baseline ? [sdkCoreSignerPlugin()] : [])],
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([, o]) => o.entryPoint !== undefined);
  if (outputs.length !== 1) throw new Error(`expected one entry output in ${outdir}, got ${outputs.length}`);
  const [path, out] = outputs[0]!;
  const inputs: Record<string, number> = {};
  for (const [p, i] of Object.entries(out.inputs)) inputs[p] = i.bytesInOutput;
  return { file: resolve(ROOT, path), bytes: out.bytes, inputs, metafile: result.metafile };
}

export const bytesWhere = (b: BuiltBundle, re: RegExp): number =>
  Object.entries(b.inputs).reduce((sum, [p, n]) => (re.test(p) ? sum + n : sum), 0);

export const SDK_CORE_INPUT = /node_modules\/@huaweicloud\/huaweicloud-sdk-core\//;
export const OUR_SIGNER_INPUT = /^shared\/signing\/apig\.ts$/;
const CLIENT_S3_INPUT = /node_modules\/@aws-sdk\/client-s3\//;

/** The npm package (or project folder) an input belongs to. */
export function inputGroup(path: string): string {
  const i = path.lastIndexOf("node_modules/");
  if (i === -1) return path.split("/").slice(0, 2).join("/");
  const [a, b] = path.slice(i + "node_modules/".length).split("/");
  return a!.startsWith("@") ? `${a}/${b}` : a!;
}

interface GroupInfo {
  group: string;
  bytes: number;
  /** Largest sub-folder inside the package, when it has several. */
  largestPart: { name: string; bytes: number } | undefined;
  /** Who pulls the package in (importers outside it, grouped). */
  via: string[];
}

function topGroups(b: BuiltBundle, n: number): GroupInfo[] {
  const totals = new Map<string, number>();
  for (const [p, bytes] of Object.entries(b.inputs)) totals.set(inputGroup(p), (totals.get(inputGroup(p)) ?? 0) + bytes);
  const top = [...totals].sort((x, y) => y[1] - x[1]).slice(0, n);
  const metaInputs = b.metafile.inputs;
  return top.map(([group, bytes]) => {
    const parts = new Map<string, number>();
    for (const [p, n2] of Object.entries(b.inputs)) {
      if (inputGroup(p) !== group || !p.includes("node_modules/")) continue;
      const inside = p.slice(p.lastIndexOf(group) + group.length + 1).split("/");
      const part = inside.length > 2 ? inside.slice(0, 2).join("/") : inside.length > 1 ? inside[0]! : "(root)";
      parts.set(part, (parts.get(part) ?? 0) + n2);
    }
    const largest = [...parts].sort((x, y) => y[1] - x[1])[0];
    const via = new Set<string>();
    for (const [p, info] of Object.entries(metaInputs)) {
      if (inputGroup(p) === group || !(p in b.inputs)) continue;
      if (info.imports.some((imp) => inputGroup(imp.path) === group)) via.add(inputGroup(p));
    }
    return {
      group,
      bytes,
      largestPart: parts.size > 1 && largest ? { name: largest[0], bytes: largest[1] } : undefined,
      via: [...via].sort(),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Environment

/**
 * A plausible Lambda environment for `fn`: its serverless.yml variables evaluated the way the
 * engine does (resource names, queue URLs on 127.0.0.1), the runtime's own variables, dummy AWS
 * credentials, and every *_ENDPOINT variable pointed at 127.0.0.1. Secret variables stay as *_REF
 * (read through the extension at invoke time, never at init). Returns the variables and the names
 * of those whose endpoint was rewritten.
 */
export function functionEnv(model: ServiceModel, fn: FunctionModel): { vars: Record<string, string>; rewritten: string[] } {
  const plan = planResources(model, (name) => `${LOOPBACK}/${LOCAL_ACCOUNT}/${name}`);
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.environment)) {
    vars[k] = toEnvValue(evaluateIntrinsics(v, plan.scope, `functions.${fn.name}.environment.${k}`));
  }
  const lambdaName = `${model.service}-${model.stage}-${fn.name}`;
  Object.assign(vars, {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    HOME: tmpdir(),
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_FUNCTION_NAME: lambdaName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${lambdaName}`,
    AWS_REGION: model.region,
    AWS_DEFAULT_REGION: model.region,
    AWS_ACCESS_KEY_ID: "AKIDBENCHDUMMY000000",
    AWS_SECRET_ACCESS_KEY: "bench-dummy-secret",
    AWS_SESSION_TOKEN: "bench-dummy-token",
    AWS_ENDPOINT_URL: LOOPBACK,
    AWS_EC2_METADATA_DISABLED: "true",
    HWC_IAM_ENDPOINT: LOOPBACK,
  });
  const rewritten: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    // Only service endpoints: other URLs (e.g. RENEWAL_RENEW_URL, a link put in e-mails) are data.
    // The deny-network preload catches any endpoint this misses.
    if (!/ENDPOINT/.test(k) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      continue;
    }
    if (url.hostname === "127.0.0.1") continue;
    vars[k] = LOOPBACK + (url.pathname === "/" ? "" : url.pathname);
    rewritten.push(k);
  }
  return { vars, rewritten: rewritten.sort() };
}

// ---------------------------------------------------------------------------------------------
// Timing

interface Sample {
  /** Wall clock of `await import()`. */
  ms: number;
  /** User + system CPU time of the same span (less sensitive to other processes on a busy machine). */
  cpuMs: number;
}

function importOnce(bundle: string, exportName: string, env: Record<string, string>, label: string): Sample {
  const r = spawnSync(process.execPath, ["--import", DENY_NETWORK, CHILD, bundle, exportName], {
    env,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 1 << 20,
  });
  if (r.stderr.includes(NETWORK_MARK)) throw new Error(`${label}: init tried to reach the network:\n${r.stderr.slice(-1500)}`);
  if (r.status !== 0) throw new Error(`${label}: import failed (exit ${r.status ?? r.signal}):\n${r.stderr.slice(-1500)}`);
  const parsed = JSON.parse(r.stdout.trim().split("\n").pop() ?? "null") as { ms: number; cpuMs: number; handler: string } | null;
  if (!parsed || typeof parsed.ms !== "number") throw new Error(`${label}: child printed no result`);
  if (parsed.handler !== "function") throw new Error(`${label}: export ${exportName} is ${parsed.handler}, not a function`);
  return { ms: parsed.ms, cpuMs: parsed.cpuMs };
}

interface Series {
  ours: Sample[];
  baseline: Sample[];
}

/** One warm-up each (file cache), then `samples` rounds: ours, baseline, ours, baseline, … */
function sampleAlternating(ours: string, baseline: string | undefined, exportName: string, env: Record<string, string>, label: string, samples: number): Series {
  const series: Series = { ours: [], baseline: [] };
  importOnce(ours, exportName, env, `${label} (ours)`);
  if (baseline) importOnce(baseline, exportName, env, `${label} (baseline)`);
  for (let i = 0; i < samples; i++) {
    series.ours.push(importOnce(ours, exportName, env, `${label} (ours)`));
    if (baseline) series.baseline.push(importOnce(baseline, exportName, env, `${label} (baseline)`));
  }
  return series;
}

const med = (xs: Sample[], key: keyof Sample): number => median(xs.map((x) => x[key]));
/** Median of the per-round ratios ours/baseline (rounds are adjacent in time, so drift cancels). */
const pairRatio = (s: Series, key: keyof Sample): number => median(s.ours.map((o, i) => o[key] / s.baseline[i]![key]));

// ---------------------------------------------------------------------------------------------
// Comparing the two builds

export interface SignerSwap {
  /** Our signRequest is in the bundle (the swap removed code from shared/signing/apig.ts). */
  signs: boolean;
  /** Same size and same bytes per input (minified names may differ): the swap changed nothing. */
  equivalent: boolean;
}

export function compareBuilds(label: string, ours: BuiltBundle, baseline: BuiltBundle): SignerSwap {
  const signs = bytesWhere(ours, OUR_SIGNER_INPUT) > bytesWhere(baseline, OUR_SIGNER_INPUT);
  const hasSdkCore = bytesWhere(baseline, SDK_CORE_INPUT) > 0;
  if (signs !== hasSdkCore) {
    throw new Error(`${label}: signer swap inconsistent (our signer ${signs ? "removed" : "not removed"}, sdk-core ${hasSdkCore ? "present" : "absent"}) — check bench/bundle.ts's plugin`);
  }
  const nonEmpty = (b: BuiltBundle) => Object.entries(b.inputs).filter(([, n]) => n > 0);
  const a = nonEmpty(ours);
  const b = new Map(nonEmpty(baseline));
  const equivalent = ours.bytes === baseline.bytes && a.length === b.size && a.every(([p, n]) => b.get(p) === n);
  return { signs, equivalent };
}

// ---------------------------------------------------------------------------------------------
// Bench

const kb = (bytes: number): number => Math.round((bytes / KB) * 10) / 10;
const kbText = (bytes: number): string => `${(bytes / KB).toFixed(1)} KB`;
const round2 = (n: number): number => Math.round(n * 100) / 100;

interface FunctionBuild {
  fn: FunctionModel;
  ours: BuiltBundle;
  /** The floor: a handler that only imports and constructs the AWS SDK clients `ours` bundles. */
  floor: BuiltBundle;
  clients: string[];
}

function describeTopInputs(b: BuiltBundle): string {
  return topGroups(b, 3)
    .map((g) => {
      const extra = [
        g.largestPart ? `${g.largestPart.name} ${kbText(g.largestPart.bytes)}` : "",
        g.via.length ? `via ${g.via.slice(0, 3).join(", ")}${g.via.length > 3 ? ", …" : ""}` : "",
      ].filter(Boolean);
      return `${g.group} ${kbText(g.bytes)}${extra.length ? ` (${extra.join("; ")})` : ""}`;
    })
    .join(", ");
}

const ZOD_EXTRA_LOCALES = /node_modules\/zod\/v4\/locales\/(?!en\.js$|index\.js$)/;

/** AWS SDK packages a bundle contains, and how the floor handler constructs each at init. */
const SDK_CLIENTS: Record<string, { imports: string; init: string }> = {
  "client-dynamodb": { imports: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";', init: "new DynamoDBClient({})" },
  "lib-dynamodb": { imports: 'import { DynamoDBClient as D2 } from "@aws-sdk/client-dynamodb"; import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";', init: "DynamoDBDocumentClient.from(new D2({}))" },
  "client-s3": { imports: 'import { S3Client } from "@aws-sdk/client-s3";', init: "new S3Client({})" },
  "s3-request-presigner": { imports: 'import { getSignedUrl } from "@aws-sdk/s3-request-presigner";', init: "getSignedUrl" },
  "client-sqs": { imports: 'import { SQSClient } from "@aws-sdk/client-sqs";', init: "new SQSClient({})" },
  "client-sesv2": { imports: 'import { SESv2Client } from "@aws-sdk/client-sesv2";', init: "new SESv2Client({})" },
};
const SDK_PACKAGE = /node_modules\/@aws-sdk\/([a-z0-9-]+)\//;

/** The AWS SDK client packages in a bundle (those the floor knows how to construct). */
export function sdkClientsOf(b: BuiltBundle): string[] {
  const found = new Set<string>();
  for (const [path, bytes] of Object.entries(b.inputs)) {
    const m = SDK_PACKAGE.exec(path);
    if (m && bytes > 0 && SDK_CLIENTS[m[1]!]) found.add(m[1]!);
  }
  return [...found].sort();
}

/** Source of the floor handler: imports exactly `clients`, constructs them at init, does nothing. */
export function floorSource(clients: string[], exportName: string): string {
  const parts = clients.map((c) => SDK_CLIENTS[c]!);
  return [
    ...parts.map((p) => p.imports),
    `const clients = [${parts.map((p) => p.init).join(", ")}];`,
    `export const ${exportName} = async () => clients.length;`,
  ].join("\n");
}

const INIT_FLOOR_TARGET = 1.5;

export async function run(options: { samples?: number } = {}): Promise<BenchResult> {
  const samples = Math.max(Math.floor(options.samples ?? Number(process.env["BUNDLE_BENCH_SAMPLES"] ?? 5)), 1);
  const started = performance.now();
  const model = loadService(join(ROOT, "serverless.yml"), { stage: "prod", params: DEPLOY_PARAMS });
  const buildOptions = esbuildOptionsOf(model);
  if (buildOptions.sourcemap) throw new Error("custom.esbuild enables source maps; this bench assumes none");
  const dir = mkdtempSync(join(tmpdir(), "po-bundle-bench-"));
  const notes: string[] = [];
  const rows: BenchRow[] = [];
  try {
    // --- builds: each function, and its floor (the same AWS SDK clients, nothing else) -----------
    const builds: FunctionBuild[] = [];
    for (const fn of model.functions) {
      const outOurs = join(dir, "ours", fn.name);
      mkdirSync(outOurs, { recursive: true });
      const ours = await buildBundle(fn.handlerFile, outOurs, buildOptions, false);
      const clients = sdkClientsOf(ours);
      const outFloor = join(dir, "floor", fn.name);
      mkdirSync(outFloor, { recursive: true });
      const floor = await buildBundle({ source: floorSource(clients, fn.exportName) }, outFloor, buildOptions, false);
      builds.push({ fn, ours, floor, clients });
    }
    const buildSeconds = (performance.now() - started) / 1000;

    // --- import+init, ours and floor alternating --------------------------------------------------
    const rewrittenAll = new Set<string>();
    const timings = new Map<string, Series>();
    for (const b of builds) {
      const { vars, rewritten } = functionEnv(model, b.fn);
      for (const r of rewritten) rewrittenAll.add(r);
      timings.set(b.fn.name, sampleAlternating(b.ours.file, b.floor.file, b.fn.exportName, vars, b.fn.name, samples));
    }

    // --- rows ------------------------------------------------------------------------------------
    const sizeMisses: string[] = [];
    const initLines: string[] = [];
    let initMisses = 0;
    for (const b of builds) {
      const name = b.fn.name;
      const hasS3 = bytesWhere(b.ours, CLIENT_S3_INPUT) > 0;
      const targetKb = hasS3 ? SIZE_TARGET_KB : SIZE_TARGET_NO_S3_KB;
      const sizeOk = b.ours.bytes <= targetKb * KB;
      const t = timings.get(name)!;
      const ratio = pairRatio(t, "cpuMs");
      const ok = ratio <= INIT_FLOOR_TARGET;
      if (!ok) initMisses++;
      rows.push(
        {
          metric: `import+init ${name} (CPU)`,
          value: round2(med(t.ours, "cpuMs")),
          unit: "ms",
          baseline: { name: `floor: ${b.clients.join(" + ") || "no SDK client"}`, value: round2(med(t.baseline, "cpuMs")) },
          ratio,
          target: `<= ${INIT_FLOOR_TARGET}x`,
          pass: ok,
        },
        {
          metric: `  bundle size ${name}`,
          value: kb(b.ours.bytes),
          unit: "KB",
          baseline: { name: "floor", value: kb(b.floor.bytes) },
          ratio: b.ours.bytes / b.floor.bytes,
          target: `<= ${targetKb} KB`,
          pass: sizeOk,
        },
      );
      if (!sizeOk) {
        sizeMisses.push(
          `${name}: ${kbText(b.ours.bytes)}, ${kbText(b.ours.bytes - targetKb * KB)} over <= ${targetKb} KB (${hasS3 ? "has" : "no"} @aws-sdk/client-s3; its floor alone is ${kbText(b.floor.bytes)}); top inputs: ${describeTopInputs(b.ours)}`,
        );
      }
      initLines.push(
        `${name} CPU ${med(t.ours, "cpuMs").toFixed(1)} vs ${med(t.baseline, "cpuMs").toFixed(1)} ms (${ratio.toFixed(2)}x), wall ${med(t.ours, "ms").toFixed(1)} vs ${med(t.baseline, "ms").toFixed(1)} ms (${pairRatio(t, "ms").toFixed(2)}x)`,
      );
    }

    // --- notes -----------------------------------------------------------------------------------
    notes.push(
      `${builds.length} functions from serverless.yml (stage prod, --param ${Object.entries(DEPLOY_PARAMS).map(([k, v]) => `${k}=${v}`).join(" ")}); ` +
        `esbuild ${esbuild.version} with custom.esbuild's options ${JSON.stringify(optionsForNote(buildOptions))}; KB = 1024 B`,
      `baseline "floor": per function, a handler that imports only the AWS SDK client packages found in that function's bundle and constructs them at init (what any handler using those clients pays); the ratio is what our own code (config, zod schemas, Powertools, middy, the BSS client…) adds on top`,
      `import+init: CPU time (user + system) of \`await import(bundle)\` in a fresh node ${process.version} (the machine is shared; wall clock printed in the notes), median of ${samples} samples per build, ours and floor alternating after one warm-up each; ratio = median of per-round ratios; ` +
        `environment = the function's serverless.yml variables as the engine evaluates them + Lambda runtime variables, endpoints rewritten to ${LOOPBACK} (${[...rewrittenAll].join(", ") || "none"}), deny-network preload: no attempt seen`,
      `import+init per function (ours vs floor): ${initLines.join("; ")}`,
    );
    if (initMisses > 0) notes.push(`import+init <= ${INIT_FLOOR_TARGET}x the floor missed by ${initMisses} of ${builds.length} functions`);
    if (sizeMisses.length > 0) {
      notes.push(`bundle size over target in ${sizeMisses.length} of ${builds.length} functions:`, ...sizeMisses.map((m) => `  ${m}`));
      const extraLocales = Math.max(...builds.map((b) => bytesWhere(b.ours, ZOD_EXTRA_LOCALES)));
      if (extraLocales > 0) notes.push(`every bundle still carries zod's non-English locales, up to ${kbText(extraLocales)}`);
    }
    notes.push(`builds ${buildSeconds.toFixed(1)} s, whole bench ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { name: "bundle", rows, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function optionsForNote(o: BuildOptions): Record<string, unknown> {
  const { banner, ...rest } = o as Record<string, unknown>;
  return { ...rest, ...(banner ? { banner: "(createRequire shim)" } : {}) };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(formatTable([result]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
}
