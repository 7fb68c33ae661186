/**
 * The embedded engine: runs every function of serverless.yml in this Node process, on local
 * stand-ins for the AWS services (fauxqs for SQS + S3, dynalite for DynamoDB), with the same
 * handlers and adapters as in AWS — only endpoints differ.
 *
 *   const engine = await startEngine({ serviceFile: "serverless.yml", dataDir: ".partner-ops" });
 *   ...
 *   await engine.close();   // stops triggers, drains work in flight, stops the emulators
 *
 * Triggers: SQS event-source mappings, HTTP (httpApi/http), schedules (rate/cron), S3 ObjectCreated
 * notifications, and an SMTP ingress for the SES receipt rules. The BSS sandbox starts when no
 * Huawei credentials are configured. See local/engine/README.md.
 */
import { metricsFileOf } from "../../shared/metrics/index.ts";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Cron } from "croner";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import { configSchema } from "../../shared/config/index.ts";
import { SECRET_NAMES } from "../../shared/config/secrets.ts";
import { createLogger } from "../../shared/log/index.ts";
import { formatBanner, type BannerInfo } from "./banner.ts";
import { makePrivate, privateUmask } from "./private-dir.ts";
import { OUTBOX_DIR, outboxFileFor, writeOutboxFile, type OutboxSource } from "./outbox.ts";
import { installEnvScope, type FunctionEnv } from "./env-scope.ts";
import { fauxqsEndpoint, localCredentials, localQueueUrl, startLocalDynamo, startLocalFauxqs, type FauxqsServer, type LocalDynamo } from "./emulators.ts";
import { compileRoute, startHttpServer, type HttpReply, type LocalHttpServer, type Route } from "./http.ts";
import { evaluateIntrinsics, toEnvValue } from "./intrinsics.ts";
import { LOCAL_ACCOUNT, planResources, provisionResources, type LocalQueue, type ResourcePlan } from "./resources.ts";
import { FunctionRuntime, type InvocationReport, type InvokeResult } from "./runtime.ts";
import { nextSequencer, pendingNotification, s3Event, s3EventRecord, S3_EVENTS_DLQ, S3_EVENTS_MAX_RECEIVES, S3_EVENTS_QUEUE, subscriptionMatches, type S3Subscription } from "./s3-notify.ts";
import { cronerOptions, parseSchedule, type Schedule } from "./schedule.ts";
import { defaultServiceFile, loadService, type ServiceModel, type SqsEvent } from "./service.ts";
import { DEFAULT_SMTP_MAX_BYTES, startSmtpIngress, type SmtpIngress } from "./smtp.ts";
import { functionBatchProcessor, QueuePoller, type BatchOutcome } from "./sqs-mapping.ts";

export class EngineError extends Error {
  override name = "EngineError";
}

export interface EngineOptions {
  /** serverless.yml to run. Default: ./serverless.yml. */
  serviceFile?: string;
  stage?: string;
  region?: string;
  /** `--param name=value` values for ${param:…}. */
  params?: Record<string, string>;
  /** Where queues, objects and tables persist. Default ".partner-ops"; ignored with inMemory. */
  dataDir?: string;
  inMemory?: boolean;
  /** Interface for every server (default 127.0.0.1: nothing is reachable from the network). */
  host?: string;
  /** Webhook/API port (default 3000; 0 = any free port). */
  httpPort?: number;
  /** SMTP ingress port (default 2525; 0 = any free port). */
  smtpPort?: number;
  smtpMaxBytes?: number;
  /** The developer's environment (Huawei credentials, log level …). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** "auto" (default): the BSS sandbox runs unless HWC_AK and HWC_SK are set. */
  sandbox?: "auto" | "on" | "off";
  sandboxOptions?: Record<string, unknown>;
  /** Long-poll seconds per ReceiveMessage (default 1) and pause after an empty short poll (default 100 ms). */
  pollWaitSeconds?: number;
  pollIdleMs?: number;
  /** Multiplies rate() intervals (tests use e.g. 0.01 to run "rate(1 minute)" every 0.6 s). */
  rateScale?: number;
  /**
   * When set, every rate() schedule also fires once this many ms after the engine is ready (then
   * every period as usual); `npm start` uses 1000 so the first renewal scan is seconds away.
   */
  rateKickoffMs?: number;
  /** Delay between retries of asynchronous invocations (schedules); default 1000 ms. */
  asyncRetryDelayMs?: number;
  /** false: only provision resources and load functions (no pollers, schedules, HTTP or SMTP) — for `invoke`. */
  triggers?: boolean;
  /**
   * Overrides the queues' VisibilityTimeout (seconds): one number for every queue (including the
   * engine's S3-notification queue), or per queue by logical id or queue name. Default: as declared.
   * Chaos runs use short values so messages are redelivered while a first delivery still runs.
   */
  visibilityTimeoutSeconds?: number | Record<string, number>;
  /**
   * Overrides the receives before a queue's messages go to its DLQ (RedrivePolicy maxReceiveCount),
   * per queue by logical id or queue name. Chaos runs shorten visibility timeouts below the time a
   * batch can take, so a message still being handled is received again and again meanwhile; they give
   * those queues more receives, so only a message that really keeps failing is dead-lettered.
   */
  maxReceiveCount?: Record<string, number>;
  /** How long close() waits for work in flight before giving up on it (it comes back later). Default 120 s. */
  shutdownTimeoutMs?: number;
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  logger?: Logger;
}

/**
 * Options for a throwaway engine (tests, the chaos run): nothing on disk, any free ports, and
 * queues polled without waiting, so a run takes seconds. Spread first, then override.
 */
export const THROWAWAY_ENGINE = { inMemory: true, httpPort: 0, smtpPort: 0, pollWaitSeconds: 0, pollIdleMs: 20 } as const satisfies EngineOptions;

export interface EngineUrls {
  http: string | undefined;
  smtp: { host: string; port: number } | undefined;
  fauxqs: string;
  dynamodb: string;
  sandbox: string | undefined;
}

export interface Engine {
  readonly model: ServiceModel;
  readonly urls: EngineUrls;
  readonly dataDir: string | undefined;
  readonly queues: readonly LocalQueue[];
  readonly plan: ResourcePlan;
  readonly clients: { sqs: SQSClient; s3: S3Client; dynamodb: DynamoDBClient };
  readonly fauxqs: FauxqsServer;
  readonly events: EventEmitter;
  /** Local-only secrets generated by the engine (e.g. WEBHOOK_SECRET when none is configured). */
  readonly localSecrets: Readonly<Record<string, string>>;
  /** Bearer token the /_engine/* endpoints require (also in <data-dir>/engine.json). */
  readonly controlToken: string;
  readonly bss: BannerInfo["bss"];
  /** Environment a function runs with. */
  functionEnv(fn: string): Readonly<Record<string, string>>;
  invoke(fn: string, event: unknown): Promise<InvokeResult>;
  /**
   * Simulates an SQS consumer of `fn` dying in the middle of its batches: the batches in flight are
   * abandoned (neither deleted nor reported; their messages come back after the visibility timeout)
   * and the function's pollers go on polling. Returns the number of messages abandoned. The handlers
   * of the abandoned batches keep running in this process (their side effects may happen).
   */
  abandonInFlight(fn: string): number;
  /** Next planned runs of every schedule. */
  schedules(): { fn: string; expression: string; next: Date | undefined }[];
  banner(): string;
  close(): Promise<void>;
}

/** Runtime file of a running engine, so the CLI (dlq, invoke) can find it. */
export interface EngineRuntimeInfo {
  pid: number;
  startedAt: string;
  serviceFile: string;
  stage: string;
  region: string;
  fauxqs: string;
  dynamodb: string;
  http: string | undefined;
  /** SMTP ingress (absent when there is no SES receipt rule; engines before this field have none). */
  smtp?: { host: string; port: number };
  /** URL of the BSS sandbox the engine started (absent in real-BSS mode). */
  sandbox?: string;
  /** Bearer token for the engine's /_engine/* endpoints (new at every start; the file is 0600). */
  token?: string;
}

export const RUNTIME_FILE = "engine.json";

export function readRuntimeInfo(dataDir: string): EngineRuntimeInfo | undefined {
  const file = join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, "utf8")) as EngineRuntimeInfo;
    process.kill(info.pid, 0); // throws if the process is gone
    return info;
  } catch {
    return undefined;
  }
}

/**
 * Calls a /_engine/* endpoint of a running engine with its token (from engine.json), as the CLI does.
 */
export function engineControl(info: Pick<EngineRuntimeInfo, "http" | "token">, path: string, body?: unknown): Promise<Response> {
  if (!info.http) throw new EngineError("the running engine has no HTTP endpoint");
  return fetch(`${info.http}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${info.token ?? ""}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const CONFIG_KEYS = new Set<string>([...Object.keys(configSchema.shape), ...SECRET_NAMES]);
/** Keys a function never inherits from the developer's shell unless the engine sets them. */
function maskedKey(key: string): boolean {
  return CONFIG_KEYS.has(key) || /^(AWS_|HWC_|OBS_|POWERTOOLS_)/.test(key) || key.endsWith("_REF") || key.endsWith("_QUEUE_URL") || key === "LOG_LEVEL" || key === "_HANDLER";
}

const HWC_PASSTHROUGH = ["HWC_AK", "HWC_SK", "HWC_SECURITY_TOKEN", "HWC_ENDPOINT", "HWC_IAM_ENDPOINT", "HWC_REGION", "HWC_PROJECT_ID", "HWC_DOMAIN_ID", "HWC_XACCOUNT_TYPE", "HWC_SITE", "HWC_TIMEOUT_MS"];

/** Applies EngineOptions.visibilityTimeoutSeconds to the planned queues (in place). */
export function overrideVisibilityTimeouts(queues: readonly LocalQueue[], option: EngineOptions["visibilityTimeoutSeconds"]): void {
  if (option === undefined) return;
  const check = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 43_200) throw new EngineError(`visibilityTimeoutSeconds${what} must be an integer from 0 to 43200, got ${v}`);
    return String(v);
  };
  if (typeof option === "number") {
    const v = check(option, "");
    for (const q of queues) q.attributes["VisibilityTimeout"] = v;
    return;
  }
  for (const [key, value] of Object.entries(option)) {
    const matches = queues.filter((q) => q.logicalId === key || q.name === key);
    if (matches.length === 0) throw new EngineError(`visibilityTimeoutSeconds names no queue of this service: ${key} (queues: ${queues.map((q) => q.logicalId).join(", ")})`);
    const v = check(value, `.${key}`);
    for (const q of matches) q.attributes["VisibilityTimeout"] = v;
  }
}

/** Applies EngineOptions.maxReceiveCount to the planned queues that have a DLQ (in place). */
export function overrideMaxReceiveCounts(queues: readonly LocalQueue[], option: EngineOptions["maxReceiveCount"]): void {
  for (const [key, value] of Object.entries(option ?? {})) {
    const matches = queues.filter((q) => (q.logicalId === key || q.name === key) && q.redrive);
    if (matches.length === 0) throw new EngineError(`maxReceiveCount names no queue with a DLQ: ${key} (queues with one: ${queues.filter((q) => q.redrive).map((q) => q.logicalId).join(", ")})`);
    if (!Number.isInteger(value) || value < 1 || value > 1000) throw new EngineError(`maxReceiveCount.${key} must be an integer from 1 to 1000, got ${value}`);
    for (const q of matches) q.redrive = { ...q.redrive!, maxReceiveCount: value };
  }
}

function loadLocalSecrets(dataDir: string | undefined): Record<string, string> {
  const fresh = { WEBHOOK_SECRET: `whsec_local_${randomBytes(18).toString("base64url")}` };
  if (!dataDir) return fresh;
  const file = join(dataDir, "local-secrets.json");
  try {
    return { ...fresh, ...(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) };
  } catch {
    writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600 });
    return fresh;
  }
}

interface SandboxHandle {
  url: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function startSandboxIfAvailable(
  options: Record<string, unknown>,
  warn: (w: string) => void,
): Promise<SandboxHandle | undefined> {
  const file = new URL("../sandbox/index.ts", import.meta.url);
  if (!existsSync(file)) {
    warn("the BSS sandbox (local/sandbox/index.ts) is not available yet: functions have no BSS endpoint");
    return undefined;
  }
  const mod = (await import(pathToFileURL(file.pathname).href)) as {
    startSandbox?: (o: Record<string, unknown>) => Promise<{ url: string; credentials: { ak: string; sk: string }; xaccountType: string; site?: string; close(): Promise<void> }>;
    sandboxEnv?: (sb: { url: string; credentials: { ak: string; sk: string }; xaccountType: string; site?: string }) => Record<string, string>;
  };
  if (typeof mod.startSandbox !== "function") {
    warn("local/sandbox/index.ts does not export startSandbox(): BSS sandbox not started");
    return undefined;
  }
  const sb = await mod.startSandbox(options);
  const env = mod.sandboxEnv
    ? mod.sandboxEnv(sb)
    : { HWC_ENDPOINT: sb.url, HWC_IAM_ENDPOINT: sb.url, HWC_AK: sb.credentials.ak, HWC_SK: sb.credentials.sk, HWC_XACCOUNT_TYPE: sb.xaccountType, HWC_SITE: sb.site ?? "cn" };
  return { url: sb.url, env, close: () => sb.close() };
}

/**
 * Whether `endpoint` is a partner-ops BSS sandbox: every sandbox response carries
 * X-Partner-Ops-Sandbox. One unauthenticated GET with a short timeout; false when unreachable.
 */
export async function isSandboxEndpoint(endpoint: string, timeoutMs = 1500): Promise<boolean> {
  if (!/^https?:\/\//.test(endpoint)) return false;
  try {
    const res = await fetch(new URL("/", endpoint), { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel();
    return res.headers.get("x-partner-ops-sandbox") === "1"; // SANDBOX_HEADER of local/sandbox
  } catch {
    return false;
  }
}

/** shared/config's ConfigError and the feature settings' errors (EmailConfigError, RenewalSettingsError, …). */
function isConfigurationError(err: unknown): err is Error {
  return err instanceof Error && (/(Config|Configuration|Settings)Error$/.test(err.name) || /^invalid [\w-]+ ?configuration\b/.test(err.message));
}

/**
 * A ConfigError that only says Huawei settings are missing (HWC_AK/SK, HWC_XACCOUNT_TYPE …): the
 * engine may run without a BSS on purpose (`--sandbox off` without credentials, or real credentials
 * without a partner platform id); such a function stays unloaded and the banner says why.
 */
function onlyMissingHuaweiSettings(err: Error): boolean {
  const issues = (err as Error & { issues?: { variable: string; problem: string }[] }).issues;
  return Array.isArray(issues) && issues.length > 0 && issues.every((i) => i.variable.startsWith("HWC_") && /^(required by this function but not set|secret required by this function|must be set)/.test(i.problem));
}

let engineInstances = 0;

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const instance = ++engineInstances;
  const hostEnvironment = options.env ?? process.env;
  const serviceFile = resolve(options.serviceFile ?? defaultServiceFile());
  const model = loadService(serviceFile, {
    ...(options.stage ? { stage: options.stage } : {}),
    ...(options.region ? { region: options.region } : {}),
    env: hostEnvironment,
    params: options.params ?? {},
  });
  const logger =
    options.logger ??
    createLogger({ serviceName: "partner-ops-engine", env: hostEnvironment, ...(options.logLevel ? { level: options.logLevel } : {}) });
  const events = new EventEmitter();
  const warnings = [...model.warnings];
  const warn = (w: string) => {
    warnings.push(w);
    logger.warn(w);
    events.emit("warning", w);
  };
  const host = options.host ?? "127.0.0.1";
  const triggers = options.triggers !== false;
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? ".partner-ops");
  const cleanups: (() => Promise<void> | void)[] = [];
  if (dataDir) {
    // Personal data lives here: 0700/0600 for what exists, umask 077 for what comes (issue 11.12).
    const running = readRuntimeInfo(dataDir);
    if (running && running.pid !== process.pid) {
      throw new EngineError(`an engine is already running on ${dataDir} (pid ${running.pid}); stop it first or use another --data-dir`);
    }
    makePrivate(dataDir);
    cleanups.push(privateUmask());
  }

  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err: unknown) => logger.error("shutdown step failed", { error: err as Error }));
    cleanups.length = 0;
  };

  try {
    const fauxqs = await startLocalFauxqs({ dataDir: dataDir ? join(dataDir, "fauxqs") : undefined, region: model.region });
    cleanups.push(() => fauxqs.stop());
    const dynamo: LocalDynamo = await startLocalDynamo({ dataDir: dataDir ? join(dataDir, "dynamodb") : undefined });
    cleanups.push(() => dynamo.close());
    if (dataDir) cleanups.push(() => rmSync(join(dataDir, RUNTIME_FILE), { force: true }));
    const awsEndpoint = fauxqsEndpoint(fauxqs);
    const clientBase = { region: model.region, credentials: localCredentials() };
    const sqs = new SQSClient({ ...clientBase, endpoint: awsEndpoint });
    const s3 = new S3Client({ ...clientBase, endpoint: awsEndpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    const dynamodb = new DynamoDBClient({ ...clientBase, endpoint: dynamo.endpoint });
    cleanups.push(() => {
      sqs.destroy();
      s3.destroy();
      dynamodb.destroy();
    });

    // --- resources -------------------------------------------------------------------------------
    const plan = planResources(model, (name) => localQueueUrl(fauxqs, name));
    const s3Subscriptions: S3Subscription[] = [];
    for (const fn of model.functions) {
      fn.events.forEach((e, i) => {
        if (e.type !== "s3") return;
        const bucket = evaluateIntrinsics(e.bucket, plan.scope, `functions.${fn.name}.events[${i}].s3.bucket`);
        if (typeof bucket !== "string") throw new EngineError(`functions.${fn.name}.events[${i}].s3.bucket must name a bucket`);
        if (!plan.buckets.some((b) => b.name === bucket)) plan.buckets.push({ logicalId: `(s3 event of ${fn.name})`, name: bucket, arn: `arn:aws:s3:::${bucket}` });
        s3Subscriptions.push({ fn: fn.name, bucket, event: e.event, rules: e.rules, configurationId: `${fn.name}-s3-${i}` });
      });
    }
    const internalQueues: LocalQueue[] = [];
    if (s3Subscriptions.length > 0) {
      const maxTimeout = Math.max(...s3Subscriptions.map((s) => model.functions.find((f) => f.name === s.fn)!.timeoutSeconds));
      const dlqArn = `arn:aws:sqs:${model.region}:${LOCAL_ACCOUNT}:${S3_EVENTS_DLQ}`;
      internalQueues.push(
        { logicalId: "(engine)", name: S3_EVENTS_DLQ, arn: dlqArn, url: localQueueUrl(fauxqs, S3_EVENTS_DLQ), fifo: false, attributes: { MessageRetentionPeriod: "1209600" }, redrive: undefined },
        {
          logicalId: "(engine)",
          name: S3_EVENTS_QUEUE,
          arn: `arn:aws:sqs:${model.region}:${LOCAL_ACCOUNT}:${S3_EVENTS_QUEUE}`,
          url: localQueueUrl(fauxqs, S3_EVENTS_QUEUE),
          fifo: false,
          attributes: { VisibilityTimeout: String(Math.ceil(maxTimeout) + 2) },
          redrive: { deadLetterTargetArn: dlqArn, maxReceiveCount: S3_EVENTS_MAX_RECEIVES },
        },
      );
    }

    // Huawei side: real credentials, the sandbox, or nothing.
    const realHwc = Boolean(hostEnvironment["HWC_AK"] && hostEnvironment["HWC_SK"]);
    const sandboxMode = options.sandbox ?? "auto";
    const realObs = Boolean(hostEnvironment["OBS_ENDPOINT"] && hostEnvironment["OBS_AK"] && hostEnvironment["OBS_SK"]);
    const obsBuckets = new Set<string>();
    if (!realObs) {
      for (const fn of model.functions) {
        const b = fn.environment["OBS_BUCKET"];
        if (typeof b === "string" && b) obsBuckets.add(b);
      }
      for (const b of obsBuckets) if (!plan.buckets.some((x) => x.name === b)) plan.buckets.push({ logicalId: "(local OBS)", name: b, arn: `arn:aws:s3:::${b}` });
    }

    overrideVisibilityTimeouts([...internalQueues, ...plan.queues], options.visibilityTimeoutSeconds);
    overrideMaxReceiveCounts([...internalQueues, ...plan.queues], options.maxReceiveCount);
    await provisionResources({ ...plan, queues: [...internalQueues, ...plan.queues] }, fauxqs, sqs, dynamodb);

    let sandbox: SandboxHandle | undefined;
    let bss: BannerInfo["bss"];
    if (sandboxMode === "on" || (sandboxMode === "auto" && !realHwc)) {
      const obsBucket = [...obsBuckets][0];
      sandbox = await startSandboxIfAvailable(
        {
          host,
          port: 0,
          log: (line: string) => logger.debug(line, { component: "sandbox" }),
          ...(obsBucket
            ? {
                realnameBucketConfigured: true,
                attachmentExists: async (relativePath: string) => {
                  try {
                    const h = await s3.send(new HeadObjectCommand({ Bucket: obsBucket, Key: `download/${relativePath}` }));
                    return { size: h.ContentLength ?? 0 };
                  } catch {
                    return undefined;
                  }
                },
              }
            : {}),
          ...(options.sandboxOptions ?? {}),
        },
        warn,
      );
      if (sandbox) cleanups.push(() => sandbox!.close());
      bss = sandbox ? { mode: "sandbox", url: sandbox.url } : { mode: "none", reason: "no credentials and no sandbox" };
    } else if (realHwc) {
      const endpoint = hostEnvironment["HWC_ENDPOINT"] ?? String(model.functions[0]?.environment["HWC_ENDPOINT"] ?? "(HWC_ENDPOINT not set)");
      // A standalone `partner-ops sandbox` is told from Huawei Cloud by what it answers, not its address.
      bss = (await isSandboxEndpoint(endpoint)) ? { mode: "sandbox", url: endpoint, standalone: true } : { mode: "real", endpoint };
    } else {
      bss = { mode: "none", reason: "sandbox off and no HWC_AK/HWC_SK" };
    }

    const localSecrets = loadLocalSecrets(dataDir);
    const controlToken = randomBytes(32).toString("base64url");

    // --- functions -------------------------------------------------------------------------------
    const uninstallEnv = installEnvScope();
    cleanups.push(uninstallEnv);
    const runtimes = new Map<string, FunctionRuntime>();
    const outboxSources: OutboxSource[] = [];
    const observe = (phase: "start" | "end", r: InvocationReport) => {
      if (phase === "start") {
        events.emit("invocation-start", r);
        return;
      }
      events.emit("invocation", r);
      const attrs = { function: r.function, trigger: r.trigger, requestId: r.requestId, durationMs: r.durationMs, outcome: r.outcome, ...(r.error ? { error: r.error } : {}) };
      if (r.outcome === "ok") logger.info("invocation", attrs);
      else logger.error("invocation failed", attrs);
    };
    for (const fn of model.functions) {
      const vars: Record<string, string> = {};
      for (const [k, v] of Object.entries(fn.environment)) {
        if (k.endsWith("_REF")) continue; // secrets by reference exist only in AWS; locally they come from the shell or the sandbox
        vars[k] = toEnvValue(evaluateIntrinsics(v, plan.scope, `functions.${fn.name}.environment.${k}`));
      }
      const lambdaName = `${model.service}-${model.stage}-${fn.name}`;
      Object.assign(vars, {
        AWS_LAMBDA_FUNCTION_NAME: lambdaName,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${lambdaName}`,
        _HANDLER: fn.handler,
        AWS_REGION: model.region,
        AWS_DEFAULT_REGION: model.region,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_ENDPOINT_URL_SQS: awsEndpoint,
        AWS_ENDPOINT_URL_S3: awsEndpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_EC2_METADATA_DISABLED: "true",
        S3_FORCE_PATH_STYLE: "true",
        PARTNER_OPS_ENGINE: "1",
        // Operator metrics (shared/metrics): EMF lines go to this file instead of stdout; `partner-ops metrics` reads it.
        ...(dataDir ? { PARTNER_OPS_METRICS_FILE: metricsFileOf(dataDir) } : {}),
      });
      if (sandbox) Object.assign(vars, sandbox.env);
      else if (realHwc) for (const k of HWC_PASSTHROUGH) if (hostEnvironment[k]) vars[k] = hostEnvironment[k]!;
      if (realObs) {
        for (const k of ["OBS_ENDPOINT", "OBS_REGION", "OBS_BUCKET", "OBS_AK", "OBS_SK"]) if (hostEnvironment[k]) vars[k] = hostEnvironment[k]!;
      } else if (vars["OBS_BUCKET"]) {
        Object.assign(vars, { OBS_ENDPOINT: awsEndpoint, OBS_REGION: model.region, OBS_AK: "local", OBS_SK: "local" });
      }
      vars["WEBHOOK_SECRET"] = hostEnvironment["WEBHOOK_SECRET"] ?? localSecrets["WEBHOOK_SECRET"]!;
      if (vars["RENEWAL_EMAIL_TRANSPORT"] === "outbox" && vars["RENEWAL_CONFIG_BUCKET"]) {
        const src = { bucket: vars["RENEWAL_CONFIG_BUCKET"], prefix: vars["RENEWAL_OUTBOX_PREFIX"] || "outbox/" };
        if (!outboxSources.some((o) => o.bucket === src.bucket && o.prefix === src.prefix)) outboxSources.push(src);
      }
      for (const k of ["LOG_LEVEL", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_DEV"]) if (hostEnvironment[k]) vars[k] = hostEnvironment[k]!;
      if (options.logLevel && !hostEnvironment["POWERTOOLS_LOG_LEVEL"]) vars["POWERTOOLS_LOG_LEVEL"] = options.logLevel;
      const env: FunctionEnv = { vars, masked: maskedKey };
      runtimes.set(fn.name, new FunctionRuntime({ model: fn, env, lambdaName, region: model.region, accountId: LOCAL_ACCOUNT, observe, instance }));
    }
    const loadErrors = new Map<string, string>();
    const configErrors: string[] = [];
    await Promise.all(
      [...runtimes.values()].map((rt) =>
        rt.load().catch((err: Error) => {
          // A function validates its configuration when it loads (shared/config): a configuration
          // error stops the start, as it stops a cold start in AWS, instead of failing every event.
          const config = [err.cause, err].find(isConfigurationError);
          if (config && !onlyMissingHuaweiSettings(config)) configErrors.push(`  ${rt.name}: ${config.message}`);
          loadErrors.set(rt.name, err.message);
          logger.error("function failed to load", { function: rt.name, error: err });
        }),
      ),
    );
    if (configErrors.length > 0) {
      throw new EngineError(`configuration errors, the engine does not start:\n${configErrors.sort().join("\n")}`);
    }
    cleanups.push(async () => {
      await Promise.all([...runtimes.values()].map((rt) => rt.drain(options.shutdownTimeoutMs ?? 120_000)));
    });
    const runtime = (name: string): FunctionRuntime => {
      const rt = runtimes.get(name);
      if (!rt) throw new EngineError(`no function "${name}" in ${serviceFile} (functions: ${[...runtimes.keys()].join(", ") || "none"})`);
      return rt;
    };

    // Asynchronous invocations (schedules): two retries like Lambda; tracked for shutdown.
    const asyncInFlight = new Set<Promise<void>>();
    let closing = false;
    const invokeAsync = (rt: FunctionRuntime, event: unknown, trigger: string) => {
      const p = (async () => {
        for (let attempt = 1; attempt <= 3; attempt++) {
          const res = await rt.invoke(event, attempt === 1 ? trigger : `${trigger} (retry ${attempt - 1})`);
          if (res.ok || closing) return;
          if (attempt < 3) await new Promise((r) => setTimeout(r, (options.asyncRetryDelayMs ?? 1000) * attempt));
        }
        logger.error("asynchronous invocation failed 3 times; event dropped", { function: rt.name, trigger });
      })();
      asyncInFlight.add(p);
      void p.finally(() => asyncInFlight.delete(p));
    };

    // Shutdown runs the cleanups in reverse: schedules stop, pollers drain, then the asynchronous
    // invocations still running are awaited, then every runtime drains.
    cleanups.push(async () => {
      await Promise.allSettled([...asyncInFlight]);
    });

    // --- triggers --------------------------------------------------------------------------------
    const allQueues = [...plan.queues, ...internalQueues];
    const pollers: QueuePoller[] = [];
    const pollersOf = new Map<string, QueuePoller[]>();
    const cronJobs: { fn: string; expression: string; schedule: Schedule; job?: Cron; timer?: NodeJS.Timeout; startedAt: number; everyMs?: number; fire: () => void; kickoff?: { timer: NodeJS.Timeout; at: number } }[] = [];
    let http: LocalHttpServer | undefined;
    let smtp: SmtpIngress | undefined;
    const pollCommon = { sqs, region: model.region, pollWaitSeconds: options.pollWaitSeconds ?? 1, idleMs: options.pollIdleMs ?? 100 };
    const onBatch = (info: Parameters<NonNullable<ConstructorParameters<typeof QueuePoller>[0]["onBatch"]>>[0]) => {
      events.emit("batch", info);
      const attrs = { queue: info.queue, size: info.size, deleted: info.deleted, kept: info.kept, ...(info.reason ? { reason: info.reason } : {}) };
      if (info.kept > 0) logger.warn(`batch from ${info.queue}: ${info.kept} message(s) will be retried`, attrs);
      else logger.debug(`batch from ${info.queue} done`, attrs);
    };
    const onPollError = (err: Error) => logger.error("queue poller error", { error: err });

    // Local e-mails also as plain files: <data-dir>/outbox/<run-date>/<id>.eml.
    const outboxDir = dataDir ? join(dataDir, OUTBOX_DIR) : undefined;
    const mirrors = new Set<Promise<void>>();
    const mirrorToOutbox = (bucket: string, key: string, rel: string) => {
      const p = (async () => {
        const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const file = await writeOutboxFile(outboxDir!, rel, await obj.Body!.transformToByteArray());
        logger.info(`e-mail written to ${relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file)}`, { file });
        events.emit("outbox", { file, bucket, key });
      })().catch((err: unknown) => logger.error("e-mail not written to the outbox directory", { bucket, key, error: err as Error }));
      mirrors.add(p);
      void p.finally(() => mirrors.delete(p));
    };
    cleanups.push(async () => {
      await Promise.allSettled([...mirrors]);
    });

    // Moves to a DLQ, reported by fauxqs.
    const spy = fauxqs.spy as unknown as { addMessage?: (m: Record<string, unknown>) => void };
    const originalAdd = spy.addMessage?.bind(spy);
    if (!originalAdd) throw new EngineError("this fauxqs version does not expose upload events (spy.addMessage); S3 notifications cannot work");
    spy.addMessage = (m) => {
      originalAdd(m);
      try {
        if (m["service"] === "sqs" && m["status"] === "dlq") {
          logger.warn("message moved to its dead-letter queue", { queue: m["queueName"], messageId: m["messageId"] });
          events.emit("dlq", { queue: m["queueName"], messageId: m["messageId"] });
        }
        if (m["service"] === "s3" && m["status"] === "uploaded" && outboxDir) {
          const rel = outboxFileFor(outboxSources, String(m["bucket"]), String(m["key"]));
          if (rel) mirrorToOutbox(String(m["bucket"]), String(m["key"]), rel);
        }
        if (m["service"] === "s3" && m["status"] === "uploaded" && triggers) {
          const bucket = String(m["bucket"]);
          const key = String(m["key"]);
          const eventTime = new Date(Number(m["timestamp"]) || Date.now()).toISOString();
          for (const sub of s3Subscriptions) {
            if (!subscriptionMatches(sub, bucket, key)) continue;
            const body = { fn: sub.fn, bucket, key, eventName: "ObjectCreated:Put", eventTime, sequencer: nextSequencer(), configurationId: sub.configurationId };
            // Synchronous, persisted enqueue: the notification survives a crash right after the upload.
            fauxqs.sendMessage(S3_EVENTS_QUEUE, JSON.stringify(body));
            events.emit("s3-notification", body);
          }
        }
      } catch (err) {
        logger.error("S3 notification not recorded", { error: err as Error });
      }
    };

    if (triggers) {
      for (const fn of model.functions) {
        const rt = runtime(fn.name);
        fn.events.forEach((e, i) => {
          if (e.type !== "sqs" || !e.enabled) return;
          const arn = evaluateIntrinsics(e.arn, plan.scope, `functions.${fn.name}.events[${i}].sqs.arn`);
          const queue = allQueues.find((q) => q.arn === arn || (typeof arn === "string" && arn.endsWith(`:${q.name}`)));
          if (!queue) throw new EngineError(`functions.${fn.name}.events[${i}].sqs: ${String(arn)} is not a queue of this service`);
          const ev: SqsEvent = e;
          const poller = new QueuePoller({
            ...pollCommon,
            label: `${queue.name} → ${fn.name}`,
            queue,
            batchSize: ev.batchSize,
            batchingWindowSeconds: ev.maximumBatchingWindow,
            concurrency: ev.maximumConcurrency ?? 2,
            process: functionBatchProcessor(rt, ev, `sqs ${queue.name}`),
            onBatch,
            onError: onPollError,
            onReceive: (info) => events.emit("receive", { fn: fn.name, ...info }),
            onAbandoned: (info) => {
              logger.warn(`batch from ${info.queue} abandoned (consumer stopped abruptly); its messages come back after the visibility timeout`, { queue: info.queue, size: info.size });
              events.emit("abandoned", { fn: fn.name, ...info });
            },
          });
          pollers.push(poller);
          pollersOf.set(fn.name, [...(pollersOf.get(fn.name) ?? []), poller]);
        });
      }
      if (s3Subscriptions.length > 0) {
        const queue = internalQueues.find((q) => q.name === S3_EVENTS_QUEUE)!;
        pollers.push(
          new QueuePoller({
            ...pollCommon,
            label: "S3 notifications",
            queue,
            batchSize: 1,
            batchingWindowSeconds: 0,
            concurrency: 4,
            onError: onPollError,
            process: async (records): Promise<BatchOutcome> => {
              const record = records[0]!;
              const parsed = pendingNotification.safeParse(JSON.parse(record.body));
              if (!parsed.success) return { keep: [] }; // not ours: drop
              const n = parsed.data;
              let head;
              try {
                head = await s3.send(new HeadObjectCommand({ Bucket: n.bucket, Key: n.key }));
              } catch (err) {
                if ((err as { name?: string }).name === "NotFound") return { keep: [] }; // deleted since: nothing to announce
                return { keep: "all", reason: (err as Error).message };
              }
              const event = s3Event(s3EventRecord(n, { size: head.ContentLength ?? 0, eTag: head.ETag }, model.region));
              const res = await runtime(n.fn).invoke(event, `s3 ${n.bucket}/${n.key}`);
              return res.ok ? { keep: [] } : { keep: "all", reason: res.error.message };
            },
          }),
        );
      }
      for (const p of pollers) p.start();
      cleanups.push(async () => {
        await Promise.all(pollers.map((p) => p.stop()));
      });

      // Schedules.
      const rateScale = options.rateScale ?? 1;
      for (const fn of model.functions) {
        const rt = runtime(fn.name);
        let n = 0;
        for (const e of fn.events) {
          if (e.type !== "schedule") continue;
          for (const expression of e.expressions) {
            n++;
            const schedule = parseSchedule(expression, e.timezone ?? "UTC");
            const ruleName = e.name ?? `${model.service}-${model.stage}-${fn.name}-schedule-${n}`;
            const makeEvent = () =>
              e.input !== undefined
                ? e.input
                : {
                    version: "0",
                    id: crypto.randomUUID(),
                    "detail-type": "Scheduled Event",
                    source: "aws.events",
                    account: LOCAL_ACCOUNT,
                    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
                    region: model.region,
                    resources: [`arn:aws:events:${model.region}:${LOCAL_ACCOUNT}:rule/${ruleName}`],
                    detail: {},
                  };
            if (!e.enabled) continue;
            const fire = () => {
              if (closing) return;
              events.emit("schedule", { fn: fn.name, expression });
              invokeAsync(rt, makeEvent(), `schedule ${expression}`);
            };
            if (schedule.kind === "cron") {
              const job = new Cron(schedule.pattern, { ...cronerOptions(schedule), catch: true }, fire);
              cronJobs.push({ fn: fn.name, expression, schedule, job, startedAt: Date.now(), fire });
            } else {
              // setInterval treats delays above 2^31 - 1 ms (~24.8 days) as 1 ms: cap them.
              const everyMs = Math.min(2_147_483_647, Math.max(10, Math.round(schedule.everyMs * rateScale)));
              const timer = setInterval(fire, everyMs);
              cronJobs.push({ fn: fn.name, expression, schedule, timer, startedAt: Date.now(), everyMs, fire });
            }
          }
        }
      }
      cleanups.push(() => {
        for (const j of cronJobs) {
          if (j.kickoff) clearTimeout(j.kickoff.timer);
          j.job?.stop();
          if (j.timer) clearInterval(j.timer);
        }
      });

      // HTTP.
      const routes: Route[] = [];
      for (const fn of model.functions) for (const e of fn.events) if (e.type === "httpApi" || e.type === "http") routes.push(compileRoute(fn.name, e));
      const control = async (method: string, path: string, body: Buffer): Promise<HttpReply | undefined> => {
        const jsonReply = (status: number, v: unknown): HttpReply => ({ status, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(v)) });
        if (method === "GET" && path === "/_engine/status") {
          return jsonReply(200, {
            service: model.service,
            stage: model.stage,
            functions: [...runtimes.keys()],
            queues: allQueues.map((q) => {
              const i = fauxqs.inspectQueue(q.name);
              return { name: q.name, ready: i?.messages.ready.length ?? 0, inflight: i?.messages.inflight.length ?? 0, delayed: i?.messages.delayed.length ?? 0 };
            }),
          });
        }
        const m = /^\/_engine\/invoke\/([^/]+)$/.exec(path);
        if (method === "POST" && m) {
          const name = decodeURIComponent(m[1]!);
          if (!runtimes.has(name)) return jsonReply(404, { error: `no function ${name}` });
          let event: unknown;
          try {
            event = body.length ? JSON.parse(body.toString("utf8")) : {};
          } catch {
            return jsonReply(400, { error: "event is not JSON" });
          }
          const res = await runtime(name).invoke(event, "invoke (CLI)");
          return jsonReply(200, res.ok ? { ok: true, result: res.result ?? null } : { ok: false, error: { name: res.error.name, message: res.error.message } });
        }
        return undefined;
      };
      const portInUse = (what: string, flag: string, port: number) => (err: unknown): never => {
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new EngineError(`${what} port ${port} on ${host} is in use; choose another with ${flag}`);
        throw err;
      };
      http = await startHttpServer({
        host,
        port: options.httpPort ?? 3000,
        stage: model.stage,
        routes,
        invoke: (fn, event, trigger) => runtime(fn).invoke(event, trigger),
        control,
        controlToken,
        onError: (err) => logger.error("HTTP server error", { error: err }),
      }).catch(portInUse("webhook", "--port", options.httpPort ?? 3000));
      cleanups.push(() => http!.close());

      // SMTP.
      const rules = plan.mailRules.filter((r) => r.enabled);
      if (rules.length > 0) {
        smtp = await startSmtpIngress({
          host,
          port: options.smtpPort ?? 2525,
          maxBytes: options.smtpMaxBytes ?? DEFAULT_SMTP_MAX_BYTES,
          rules,
          store: async (bucket, key, body) => {
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentType: "message/rfc822" }));
          },
          onMessage: (info) => {
            logger.info("mail received", info);
            events.emit("mail", info);
          },
          onError: (err) => logger.error("SMTP ingress error", { error: err }),
        }).catch(portInUse("SMTP", "--smtp-port", options.smtpPort ?? 2525));
        cleanups.push(() => smtp!.close());
      }
    }

    const urls: EngineUrls = {
      http: http?.url,
      smtp: smtp ? { host: smtp.host, port: smtp.port } : undefined,
      fauxqs: awsEndpoint,
      dynamodb: dynamo.endpoint,
      sandbox: sandbox?.url,
    };

    if (dataDir) {
      const info: EngineRuntimeInfo = {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        serviceFile,
        stage: model.stage,
        region: model.region,
        fauxqs: awsEndpoint,
        dynamodb: dynamo.endpoint,
        http: http?.url,
        ...(smtp ? { smtp: { host: smtp.host, port: smtp.port } } : {}),
        ...(sandbox ? { sandbox: sandbox.url } : {}),
        token: controlToken,
      };
      writeFileSync(join(dataDir, RUNTIME_FILE), JSON.stringify(info, null, 2), { mode: 0o600 });
    }

    // Local convenience: every rate() schedule also runs once shortly after the engine is ready, so
    // the first renewal scan comes seconds after `npm start`, not a whole period later.
    if (options.rateKickoffMs !== undefined) {
      for (const j of cronJobs) {
        if (!j.everyMs) continue;
        const job = j;
        const at = Date.now() + options.rateKickoffMs;
        job.kickoff = {
          at,
          timer: setTimeout(() => {
            job.kickoff = undefined;
            job.fire();
          }, options.rateKickoffMs),
        };
      }
    }

    const schedules = () =>
      cronJobs.map((j) => ({
        fn: j.fn,
        expression: j.expression,
        next: j.kickoff ? new Date(j.kickoff.at) : j.job ? (j.job.nextRun() ?? undefined) : new Date(j.startedAt + Math.ceil((Date.now() - j.startedAt + 1) / j.everyMs!) * j.everyMs!),
      }));

    const bannerInfo = (): BannerInfo => ({
      service: model.service,
      stage: model.stage,
      serviceFile,
      dataDir,
      http: http?.url,
      routes: model.functions.flatMap((f) => f.events.flatMap((e) => (e.type === "httpApi" || e.type === "http" ? [{ method: e.method === "*" ? "ANY" : e.method, path: e.path, fn: f.name }] : []))),
      smtp: smtp ? { host: smtp.host, port: smtp.port, recipients: plan.mailRules.flatMap((r) => r.recipients) } : undefined,
      queues: plan.queues.map((q) => ({
        name: q.name,
        dlq: q.redrive ? plan.queues.find((d) => d.arn === q.redrive!.deadLetterTargetArn)?.name : undefined,
        maxReceiveCount: q.redrive?.maxReceiveCount,
        consumers: model.functions.filter((f) => f.events.some((e, i) => e.type === "sqs" && evaluateIntrinsics(e.arn, plan.scope, `functions.${f.name}.events[${i}]`) === q.arn)).map((f) => f.name),
      })),
      schedules: schedules().map((s) => ({ fn: s.fn, expression: s.expression, next: s.next?.toISOString() })),
      s3: s3Subscriptions.map((s) => ({ fn: s.fn, bucket: s.bucket, filter: s.rules.map((r) => `${r.prefix ?? ""}*${r.suffix ?? ""}`).join(" ") || "*" })),
      bss,
      buckets: plan.buckets.map((b) => ({ name: b.name, logicalId: b.logicalId })),
      tables: plan.tables.map((t) => ({ name: t.name, logicalId: t.logicalId })),
      outbox: { dir: outboxDir, buckets: outboxSources.map((o) => `${o.bucket}/${o.prefix}`) },
      aws: { sqsS3: awsEndpoint, dynamodb: dynamo.endpoint },
      functions: model.functions.map((f) => ({
        name: f.name,
        events: f.events.map((e) => e.type),
        loaded: !loadErrors.has(f.name),
        ...(loadErrors.has(f.name) ? { error: loadErrors.get(f.name)! } : {}),
      })),
      warnings,
    });

    let closed: Promise<void> | undefined;
    return {
      model,
      urls,
      dataDir,
      queues: plan.queues,
      plan,
      clients: { sqs, s3, dynamodb },
      fauxqs,
      events,
      localSecrets,
      controlToken,
      bss,
      functionEnv: (name) => runtime(name).env,
      invoke: (name, event) => runtime(name).invoke(event, "invoke"),
      abandonInFlight: (name) => {
        runtime(name); // unknown function → EngineError
        return (pollersOf.get(name) ?? []).reduce((n, p) => n + p.abandon(), 0);
      },
      schedules,
      banner: () => formatBanner(bannerInfo()),
      close() {
        closed ??= (async () => {
          closing = true;
          logger.info("shutting down: stopping triggers and draining work in flight");
          await cleanup();
          logger.info("engine stopped");
        })();
        return closed;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
