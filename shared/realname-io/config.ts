/**
 * Settings of the real-name functions (validated once per cold start by the handler modules; this
 * module reads nothing at import time). Every variable has a default except the table.
 */
import { z } from "zod";
import type { ScheduleOptions } from "../realname/record.ts";
import { checkKeyPrefix } from "../realname/keys.ts";
import { HWC_SITES, type HwcSite } from "../realname/documents.ts";

const seconds = (def: number) => z.coerce.number().int().min(0).default(def);

export const realnameEnvSchema = z.object({
  /** DynamoDB table of application records (RealnameApplicationsTable). */
  REALNAME_TABLE: z.string().min(3),
  /** Key prefix inside the bucket: objects go to download/<prefix>/<id>/…, staging to incoming/<prefix>/<id>/…. */
  REALNAME_KEY_PREFIX: z
    .string()
    .default("partner-ops")
    .refine((p) => {
      try {
        checkKeyPrefix(p);
        return true;
      } catch {
        return false;
      }
    }, "must be 1-4 '/'-separated segments of a-z, 0-9, '-' and '_'"),
  /** Lifetime of each presigned PUT URL. */
  REALNAME_UPLOAD_URL_SECONDS: z.coerce.number().int().min(60).max(3600).default(300),
  /** An application still waiting for its uploads this long after creation expires. */
  REALNAME_UPLOAD_WINDOW_SECONDS: seconds(3600),
  /** Seconds between review-result reads while under review. */
  REALNAME_POLL_SECONDS: seconds(300),
  /** Documents are deleted this long after a final state (and after the portal was told). Default 30 days. */
  REALNAME_RETENTION_SECONDS: seconds(30 * 86_400),
  /** A queued submission not taken up after this long is queued again by realname-status. */
  REALNAME_REQUEUE_SECONDS: seconds(120),
  /** A submission with no recorded answer after this long is resolved by reading the review result. */
  REALNAME_STUCK_SUBMIT_SECONDS: seconds(600),
  /** Submission attempts (throttling/network) before the application fails. */
  REALNAME_MAX_SUBMIT_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Callback attempts before realname-status gives up on the portal (the queue event is sent anyway). */
  REALNAME_CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** Records handled per work kind per realname-status run. */
  REALNAME_SWEEP_LIMIT: z.coerce.number().int().min(1).max(100).default(25),
  /** Comma-separated host names callback_url may use (empty: any public https host). */
  REALNAME_CALLBACK_HOSTS: z.string().default(""),
  /**
   * The partner's Huawei site: "cn" China site (default) or "intl" international site. Selects the
   * document rules (intl: passports take 2 files) and refuses the bank-card scheme on "intl".
   */
  HWC_SITE: z.enum(HWC_SITES, { error: `must be one of ${HWC_SITES.join(", ")}` }).default("cn"),
  /** The BSS endpoint (shared/config): a Huawei one must belong to HWC_SITE (checked below). */
  HWC_ENDPOINT: z.string().optional(),
  /** Set by the embedded engine only: lets callback_url be http://127.0.0.1 (local portal stubs). */
  PARTNER_OPS_ENGINE: z.string().optional(),
});

export interface RealnameSettings {
  table: string;
  keyPrefix: string;
  uploadUrlSeconds: number;
  uploadWindowSeconds: number;
  schedule: ScheduleOptions;
  maxSubmitAttempts: number;
  callbackMaxAttempts: number;
  sweepLimit: number;
  callbackHosts: string[] | undefined;
  allowLoopbackHttpCallback: boolean;
  site: HwcSite;
}

export function realnameSettings(env: NodeJS.ProcessEnv): RealnameSettings {
  const input: Record<string, string> = {};
  for (const k of Object.keys(realnameEnvSchema.shape)) {
    const v = env[k];
    if (v !== undefined && v !== "") input[k] = v;
  }
  const r = realnameEnvSchema.safeParse(input);
  if (!r.success) {
    throw new Error(`invalid real-name configuration: ${r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}`);
  }
  const e = r.data;
  const endpointSite = huaweiSiteOf(e.HWC_ENDPOINT);
  if (endpointSite !== undefined && endpointSite !== e.HWC_SITE) {
    throw new Error(`invalid real-name configuration: HWC_SITE: ${e.HWC_SITE} does not match HWC_ENDPOINT ${e.HWC_ENDPOINT} (the ${endpointSite} site); set HWC_SITE=${endpointSite} or the other endpoint`);
  }
  const hosts = e.REALNAME_CALLBACK_HOSTS.split(",").map((h) => h.trim()).filter(Boolean);
  return {
    table: e.REALNAME_TABLE,
    keyPrefix: e.REALNAME_KEY_PREFIX,
    uploadUrlSeconds: e.REALNAME_UPLOAD_URL_SECONDS,
    uploadWindowSeconds: Math.max(e.REALNAME_UPLOAD_WINDOW_SECONDS, e.REALNAME_UPLOAD_URL_SECONDS),
    schedule: {
      pollSeconds: e.REALNAME_POLL_SECONDS,
      retentionSeconds: e.REALNAME_RETENTION_SECONDS,
      requeueSeconds: e.REALNAME_REQUEUE_SECONDS,
      stuckSubmitSeconds: e.REALNAME_STUCK_SUBMIT_SECONDS,
    },
    maxSubmitAttempts: e.REALNAME_MAX_SUBMIT_ATTEMPTS,
    callbackMaxAttempts: e.REALNAME_CALLBACK_MAX_ATTEMPTS,
    sweepLimit: e.REALNAME_SWEEP_LIMIT,
    callbackHosts: hosts.length > 0 ? hosts : undefined,
    allowLoopbackHttpCallback: e.PARTNER_OPS_ENGINE === "1",
    site: e.HWC_SITE,
  };
}

/** WEBHOOK_SECRET may hold several secrets separated by commas (newest first) while rotating. */
export function splitSecrets(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

/** The site of Huawei's own BSS endpoints (bss.… China, bss-intl.… international); undefined for any other host (a sandbox). */
export function huaweiSiteOf(endpoint: string | undefined): HwcSite | undefined {
  if (!endpoint) return undefined;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (host === "bss.myhuaweicloud.com") return "cn";
  if (host === "bss-intl.myhuaweicloud.com") return "intl";
  return undefined;
}
