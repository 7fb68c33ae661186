/**
 * Reads serverless.yml into the model the engine runs: functions (handler, timeout, environment,
 * events) and CloudFormation resources. Validated with zod; everything the engine does not run
 * locally is reported as a warning, not silently dropped.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { resolveVariables, VariableError } from "./variables.ts";
import { parseServiceYaml, ServiceFileError } from "./yaml.ts";

export { ServiceFileError } from "./yaml.ts";

export type Intrinsic = Record<string, unknown>;
/** A value that may still hold CloudFormation intrinsics (resolved later against local resources). */
export type CfnValue = unknown;

export interface SqsEvent {
  type: "sqs";
  arn: CfnValue;
  batchSize: number;
  maximumBatchingWindow: number;
  functionResponseType: "ReportBatchItemFailures" | undefined;
  maximumConcurrency: number | undefined;
  enabled: boolean;
}
export interface HttpEvent {
  type: "httpApi" | "http";
  method: string; // upper-case, or "*" / "ANY"
  path: string; // always starts with "/"; "*" for the httpApi catch-all
}
export interface ScheduleEvent {
  type: "schedule";
  expressions: string[];
  enabled: boolean;
  input: unknown;
  name: string | undefined;
  timezone: string | undefined;
}
export interface S3Event {
  type: "s3";
  bucket: CfnValue;
  event: string;
  rules: { prefix?: string | undefined; suffix?: string | undefined }[];
}
export type EngineEvent = SqsEvent | HttpEvent | ScheduleEvent | S3Event;

export interface FunctionModel {
  name: string;
  handler: string;
  handlerFile: string;
  exportName: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, CfnValue>;
  events: EngineEvent[];
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ServiceModel {
  file: string;
  dir: string;
  service: string;
  stage: string;
  region: string;
  functions: FunctionModel[];
  resources: Record<string, CfnResource>;
  warnings: string[];
  /** The fully variable-resolved document. */
  doc: Record<string, unknown>;
}

export interface LoadServiceOptions {
  stage?: string;
  region?: string;
  env?: Readonly<Record<string, string | undefined>>;
  params?: Readonly<Record<string, string>>;
}

const num = (min: number, max: number) => z.number().int().min(min).max(max);

const sqsObject = z.object({
  arn: z.unknown(),
  batchSize: num(1, 10_000).default(10),
  maximumBatchingWindow: num(0, 300).default(0),
  functionResponseType: z.literal("ReportBatchItemFailures").optional(),
  maximumConcurrency: num(2, 1000).optional(),
  enabled: z.boolean().default(true),
});

const httpObject = z.object({ method: z.string().min(1), path: z.string().min(1) });

const scheduleObject = z.object({
  rate: z.union([z.string(), z.array(z.string()).min(1)]),
  enabled: z.boolean().default(true),
  input: z.unknown().optional(),
  name: z.string().optional(),
  timezone: z.string().optional(),
});

const s3Object = z.object({
  bucket: z.unknown(),
  event: z.string().default("s3:ObjectCreated:*"),
  rules: z.array(z.object({ prefix: z.string().optional(), suffix: z.string().optional() })).default([]),
  existing: z.boolean().optional(),
  forceDeploy: z.boolean().optional(),
});

const functionSchema = z.looseObject({
  handler: z.string().regex(/^[^\s]+\.[A-Za-z_$][\w$]*$/, "must look like path/to/file.exportName"),
  timeout: z.number().positive().optional(),
  memorySize: z.number().int().positive().optional(),
  environment: z.record(z.string(), z.unknown()).optional(),
  events: z.array(z.record(z.string(), z.unknown())).optional(),
});

const docSchema = z.looseObject({
  service: z.union([z.string().min(1), z.object({ name: z.string().min(1) })]),
  provider: z.looseObject({
    name: z.literal("aws"),
    runtime: z.string().optional(),
    timeout: z.number().positive().optional(),
    memorySize: z.number().int().positive().optional(),
    environment: z.record(z.string(), z.unknown()).optional(),
  }),
  functions: z.record(z.string(), functionSchema).nullish(),
  resources: z.looseObject({ Resources: z.record(z.string(), z.looseObject({ Type: z.string() })).optional() }).nullish(),
});

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

function normaliseHttp(type: "httpApi" | "http", value: unknown, where: string): HttpEvent {
  if (value === "*") return { type, method: "*", path: "*" };
  if (typeof value === "string") {
    const m = /^\s*([A-Za-z*]+)\s+(\S+)\s*$/.exec(value);
    if (!m) throw new ServiceFileError(`${where}: expected "METHOD /path"`);
    return { type, method: m[1]!.toUpperCase(), path: m[2]!.startsWith("/") || m[2] === "*" ? m[2]! : `/${m[2]}` };
  }
  const r = httpObject.safeParse(value);
  if (!r.success) throw new ServiceFileError(`${where}: ${issuesText(r.error)}`);
  const path = r.data.path === "*" || r.data.path.startsWith("/") ? r.data.path : `/${r.data.path}`;
  return { type, method: r.data.method.toUpperCase(), path };
}

function parseEvent(fnName: string, index: number, raw: Record<string, unknown>, warnings: string[]): EngineEvent | undefined {
  const where = `functions.${fnName}.events[${index}]`;
  const keys = Object.keys(raw);
  if (keys.length !== 1) throw new ServiceFileError(`${where}: an event has exactly one type key, found ${keys.join(", ") || "none"}`);
  const type = keys[0]!;
  const value = raw[type];
  switch (type) {
    case "sqs": {
      const r = sqsObject.safeParse(typeof value === "string" || (value && typeof value === "object" && !("arn" in value)) ? { arn: value } : value);
      if (!r.success) throw new ServiceFileError(`${where}.sqs: ${issuesText(r.error)}`);
      if (r.data.batchSize > 10 && r.data.maximumBatchingWindow < 1) {
        throw new ServiceFileError(`${where}.sqs: batchSize above 10 needs maximumBatchingWindow ≥ 1 (an AWS rule)`);
      }
      return {
        type: "sqs",
        arn: r.data.arn,
        batchSize: r.data.batchSize,
        maximumBatchingWindow: r.data.maximumBatchingWindow,
        functionResponseType: r.data.functionResponseType,
        maximumConcurrency: r.data.maximumConcurrency,
        enabled: r.data.enabled,
      };
    }
    case "httpApi":
    case "http":
      return normaliseHttp(type, value, `${where}.${type}`);
    case "schedule": {
      const r = scheduleObject.safeParse(typeof value === "string" ? { rate: value } : value);
      if (!r.success) throw new ServiceFileError(`${where}.schedule: ${issuesText(r.error)}`);
      return {
        type: "schedule",
        expressions: Array.isArray(r.data.rate) ? r.data.rate : [r.data.rate],
        enabled: r.data.enabled,
        input: r.data.input,
        name: r.data.name,
        timezone: r.data.timezone,
      };
    }
    case "s3": {
      const r = s3Object.safeParse(typeof value === "string" ? { bucket: value } : value);
      if (!r.success) throw new ServiceFileError(`${where}.s3: ${issuesText(r.error)}`);
      return { type: "s3", bucket: r.data.bucket, event: r.data.event, rules: r.data.rules };
    }
    default:
      warnings.push(`${where}: "${type}" events are not run by the embedded engine (use \`partner-ops invoke ${fnName}\`)`);
      return undefined;
  }
}

/** Finds the source file of a handler: `functions/x/handler.handler` → functions/x/handler.ts (or .mts/.js/.mjs). */
export function resolveHandler(dir: string, handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const ext of [".ts", ".mts", ".js", ".mjs"]) {
    const file = resolve(dir, base + ext);
    if (existsSync(file)) return { file, exportName };
  }
  return { file: resolve(dir, `${base}.ts`), exportName };
}

function firstString(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

export function loadServiceFromText(text: string, file: string, options: LoadServiceOptions = {}): ServiceModel {
  const dir = dirname(file);
  const raw = parseServiceYaml(text, file);
  if (!raw || typeof raw !== "object") throw new ServiceFileError(`${file}: empty or not a mapping`);
  const env = options.env ?? process.env;
  const rawProvider = ((raw as Record<string, unknown>)["provider"] ?? {}) as Record<string, unknown>;
  // Stage and region first (variables may depend on them); they may themselves use ${opt:…}/${env:…}.
  const pre = (value: unknown, fallback: string, key: string): string => {
    if (value === undefined) return fallback;
    const v = resolveVariables({ [key]: value }, { stage: fallback, region: fallback, env, options: {} }) as Record<string, unknown>;
    return firstString(v[key], fallback);
  };
  const stage = options.stage ?? pre(rawProvider["stage"], "local", "stage");
  const region = options.region ?? pre(rawProvider["region"], "us-east-1", "region");
  let doc: unknown;
  try {
    doc = resolveVariables(raw, { stage, region, env, params: options.params ?? {}, options: { stage, region } });
  } catch (err) {
    if (err instanceof VariableError) throw new ServiceFileError(`${file}: ${err.message}`);
    throw err;
  }
  const parsed = docSchema.safeParse(doc);
  if (!parsed.success) throw new ServiceFileError(`${file}: ${issuesText(parsed.error)}`);
  const d = parsed.data;
  const service = typeof d.service === "string" ? d.service : d.service.name;
  const warnings: string[] = [];
  const providerEnv = d.provider.environment ?? {};
  const functions: FunctionModel[] = [];
  for (const [name, f] of Object.entries(d.functions ?? {})) {
    const { file: handlerFile, exportName } = resolveHandler(dir, f.handler);
    if (!existsSync(handlerFile)) warnings.push(`functions.${name}: handler file ${handlerFile} does not exist`);
    const events: EngineEvent[] = [];
    (f.events ?? []).forEach((e, i) => {
      const ev = parseEvent(name, i, e, warnings);
      if (ev) events.push(ev);
    });
    functions.push({
      name,
      handler: f.handler,
      handlerFile,
      exportName,
      timeoutSeconds: f.timeout ?? d.provider.timeout ?? 6,
      memorySize: f.memorySize ?? d.provider.memorySize ?? 1024,
      environment: { ...providerEnv, ...(f.environment ?? {}) },
      events,
    });
  }
  return {
    file,
    dir,
    service,
    stage,
    region,
    functions,
    resources: (d.resources?.Resources ?? {}) as Record<string, CfnResource>,
    warnings,
    doc: doc as Record<string, unknown>,
  };
}

export function loadService(file: string, options: LoadServiceOptions = {}): ServiceModel {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ServiceFileError(`cannot read ${path}`);
  }
  return loadServiceFromText(text, path, options);
}

/** The default service file: ./serverless.yml of the project. */
export function defaultServiceFile(cwd = process.cwd()): string {
  return join(cwd, "serverless.yml");
}
