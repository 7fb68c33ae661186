/**
 * Structured JSON logger (Powertools Logger) whose every line passes through the redaction
 * replacer, so secrets, tokens, signatures and ID numbers never reach the logs even when a caller
 * logs a whole object.
 *
 * Level: `POWERTOOLS_LOG_LEVEL` (or `LOG_LEVEL`) from the environment, default INFO.
 * Service: `POWERTOOLS_SERVICE_NAME`, default "partner-ops".
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { redactingReplacer } from "./redact.ts";

export { redact, redactString, redactingReplacer, isSensitiveKey, REDACTED } from "./redact.ts";
export type { Logger } from "@aws-lambda-powertools/logger";

const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "SILENT"] as const;
type Level = (typeof LEVELS)[number];

export interface CreateLoggerOptions {
  serviceName?: string;
  /** Overrides the level from the environment. */
  level?: Level | Lowercase<Level>;
  /** Attributes added to every line (e.g. `{ component: "engine" }`). Redacted like everything else. */
  persistentKeys?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

function levelFrom(env: NodeJS.ProcessEnv): Level {
  const raw = (env["POWERTOOLS_LOG_LEVEL"] ?? env["LOG_LEVEL"] ?? "INFO").toUpperCase();
  return (LEVELS as readonly string[]).includes(raw) ? (raw as Level) : "INFO";
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  return new Logger({
    serviceName: options.serviceName ?? env["POWERTOOLS_SERVICE_NAME"] ?? "partner-ops",
    logLevel: (options.level?.toUpperCase() as Level | undefined) ?? levelFrom(env),
    jsonReplacerFn: redactingReplacer,
    ...(options.persistentKeys ? { persistentKeys: options.persistentKeys } : {}),
  });
}
