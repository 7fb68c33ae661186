/**
 * The environment of every function, validated once at cold start by one zod schema.
 *
 *   const config = loadConfig(process.env, { require: ["IDEMPOTENCY_TABLE"], secrets: ["HWC_AK", "HWC_SK"] });
 *   const sk = await config.secrets.get("HWC_SK");   // at invoke time, never at init
 *
 * Secrets are never plain values in the deployed template: in AWS a secret variable NAME is given as
 * NAME_REF = "ssm:/parameter/name" or "secretsmanager:secret-id[#jsonKey]" and read on first use
 * through the AWS Parameters and Secrets Lambda Extension (see ./secrets.ts). Locally (the embedded
 * engine, tests, the CLI) NAME itself holds the value. Error messages name variables, never values.
 */
import { z } from "zod";
import { createSecretStore, type SecretName, type SecretStore, type SecretStoreOptions } from "./secrets.ts";

export { SECRET_NAMES, SecretError, createSecretStore, parseSecretRef } from "./secrets.ts";
export type { SecretName, SecretStore, SecretRef, SecretStoreOptions } from "./secrets.ts";

const httpUrl = z.url({ protocol: /^https?$/ });
const boolString = z.stringbool({ truthy: ["true", "1", "yes"], falsy: ["false", "0", "no", ""] });
const positiveInt = z.coerce.number().int().positive();

/**
 * Every variable a function may read. Optional here; a function states what it needs with
 * `require` (plain variables) and `secrets` (secret variables) when it calls loadConfig.
 * Keep this table in sync with the README configuration table.
 */
export const configSchema = z.object({
  /** Deployment stage (`dev`, `prod`, `local` for the embedded engine). */
  STAGE: z.string().min(1).default("local"),
  /** AWS region of the deployment (set by Lambda; the engine sets it too). */
  AWS_REGION: z.string().min(1).default("us-east-1"),
  /** Service name in every log line. */
  POWERTOOLS_SERVICE_NAME: z.string().min(1).default("partner-ops"),
  /** DynamoDB table for Powertools idempotency records (queue consumers). */
  IDEMPOTENCY_TABLE: z.string().min(3).optional(),
  /** How long an idempotency record lives, seconds (longer than the queue's retention of retries). */
  IDEMPOTENCY_EXPIRES_SECONDS: positiveInt.default(86_400),
  /** DynamoDB table for "done exactly once" ledger records. */
  LEDGER_TABLE: z.string().min(3).optional(),
  /** S3 bucket where inbound mail lands (SES receipt rule / local SMTP ingress). */
  INBOUND_BUCKET: z.string().min(3).optional(),
  /** Key prefix of raw messages in INBOUND_BUCKET. */
  INBOUND_PREFIX: z.string().default("inbound/"),
  /** BSS API endpoint (sandbox URL locally). */
  HWC_ENDPOINT: httpUrl.optional(),
  /** IAM endpoint for agency tokens (real-name APIs); the sandbox serves both on one URL. */
  HWC_IAM_ENDPOINT: httpUrl.optional(),
  /** Huawei SDK region id matching HWC_ENDPOINT. */
  HWC_REGION: z.string().min(1).optional(),
  /** Sent as X-Project-Id / X-Domain-Id when set. */
  HWC_PROJECT_ID: z.string().min(1).optional(),
  HWC_DOMAIN_ID: z.string().min(1).optional(),
  /** Per-attempt timeout of BSS/IAM requests, ms (default 10 000; the local chaos run uses a short one). */
  HWC_TIMEOUT_MS: positiveInt.max(120_000).optional(),
  /** Partner platform id (xaccount_type) assigned by Huawei; required by the real-name APIs. */
  HWC_XACCOUNT_TYPE: z.string().min(1).max(64).optional(),
  /** OBS (S3-compatible) endpoint without the bucket, e.g. https://obs.ap-southeast-1.myhuaweicloud.com. */
  OBS_ENDPOINT: httpUrl.optional(),
  /** OBS region id used in the SigV4 scope. */
  OBS_REGION: z.string().min(1).optional(),
  /** Partner Center bucket for real-name attachments. */
  OBS_BUCKET: z.string().min(3).optional(),
  /** Path-style S3 addressing (local emulators only; OBS wants virtual-hosted). */
  S3_FORCE_PATH_STYLE: boolString.default(false),
  /** Port of the AWS Parameters and Secrets Lambda Extension (AWS's own variable). */
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: positiveInt.max(65_535).default(2773),
  /** How long a fetched secret is cached in the function instance, seconds. */
  SECRETS_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
});

export type ConfigValues = z.output<typeof configSchema>;
export type ConfigKey = keyof ConfigValues;

export interface Config extends ConfigValues {
  /** Every `<NAME>_QUEUE_URL` variable, keyed by the full variable name. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** Secret values, resolved lazily (at invoke time) and cached. */
  readonly secrets: SecretStore;
}

export interface ConfigIssue {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join("; ")}`);
    this.issues = issues;
  }
}

export interface LoadConfigOptions {
  /** Plain variables this function cannot run without. */
  require?: readonly ConfigKey[];
  /** Secret variables this function needs: NAME or NAME_REF must be set. */
  secrets?: readonly SecretName[];
  /** Passed to the secret store (tests inject fetch / clock). */
  secretStore?: Omit<SecretStoreOptions, "env" | "port" | "ttlSeconds">;
}

/** Shortest webhook secret the signer accepts (shared/signing/webhook.ts refuses shorter ones). */
export const WEBHOOK_SECRET_MIN_LENGTH = 16;

/**
 * What is wrong with a secret's value when it is given plainly (locally), or undefined. Checked at
 * cold start so a bad value stops the function (and the local engine's start) instead of making
 * every request fail later. Values given by reference are checked where they are read.
 */
export function secretValueProblem(name: SecretName, value: string): string | undefined {
  if (name === "WEBHOOK_SECRET") {
    const list = value.split(",").map((x) => x.trim()).filter(Boolean);
    if (list.length === 0) return "holds no secret (only commas and spaces)";
    if (list.some((x) => x.length < WEBHOOK_SECRET_MIN_LENGTH)) {
      return `each comma-separated secret must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`;
    }
  }
  return undefined;
}

const QUEUE_URL_VAR = /^[A-Z][A-Z0-9_]*_QUEUE_URL$/;

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return "must be set";
    case "invalid_format":
      return issue.format === "url" ? "must be an http(s) URL" : `must be a valid ${issue.format}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.code === "custom" ? issue.message : "has an invalid value";
  }
}

/**
 * Validates the environment and returns the typed configuration. Throws one ConfigError that
 * lists every missing or invalid variable (by name; values are never echoed).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const issues: ConfigIssue[] = [];
  // Treat empty strings as unset for optional values (a common result of `${env:X, ''}`).
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== "") input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ variable: String(issue.path[0] ?? "?"), problem: describe(issue) });
  }
  for (const key of options.require ?? []) {
    if (input[key] === undefined && !issues.some((i) => i.variable === key) && !(key in configSchema.shape && hasDefault(key))) {
      issues.push({ variable: key, problem: "required by this function but not set" });
    }
  }
  const queueUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!QUEUE_URL_VAR.test(key) || value === undefined || value === "") continue;
    if (httpUrl.safeParse(value).success) queueUrls[key] = value;
    else issues.push({ variable: key, problem: "must be an http(s) URL" });
  }
  for (const name of options.secrets ?? []) {
    const plain = env[name];
    const ref = env[`${name}_REF`];
    if ((plain === undefined || plain === "") && (ref === undefined || ref === "")) {
      issues.push({ variable: name, problem: `secret required by this function: set ${name} (local) or ${name}_REF (ssm:/… or secretsmanager:…)` });
    } else if (plain !== undefined && plain !== "") {
      const problem = secretValueProblem(name, plain);
      if (problem) issues.push({ variable: name, problem });
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const values = parsed.data;
  const secrets = createSecretStore({
    ...options.secretStore,
    env,
    port: values.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
    ttlSeconds: values.SECRETS_CACHE_TTL_SECONDS,
  });
  return Object.freeze({ ...values, queueUrls: Object.freeze(queueUrls), secrets });
}

function hasDefault(key: ConfigKey): boolean {
  return configSchema.shape[key].safeParse(undefined).data !== undefined;
}

/** Returns a queue URL variable or throws a ConfigError naming it. */
export function queueUrl(config: Config, variable: string): string {
  const url = config.queueUrls[variable];
  if (!url) throw new ConfigError([{ variable, problem: "required by this function but not set" }]);
  return url;
}
