/**
 * Builds the real-name service's adapters from a function's environment. Called once per cold
 * start from a handler module (never at import time of a shared module); secrets (HWC_AK/SK,
 * OBS_AK/SK, WEBHOOK_SECRET) are read at the first invocation that needs them.
 */
import type { BssClient } from "../bss/index.ts";
import { bssClientFromConfig } from "../bss/from-config.ts";
import { loadConfig, queueUrl, type Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { createPublisher, createSqsClient } from "../queue/index.ts";
import { RealnameSubmitRequested } from "../realname/record.ts";
import { obsClientFromConfig } from "../storage/index.ts";
import { postSignedCallback } from "./callback.ts";
import { realnameSettings, splitSecrets, type RealnameSettings } from "./config.ts";
import { partnerBucket, type PartnerBucket } from "./documents.ts";
import { createRecordStore } from "./records.ts";
import { createRealnameService, type RealnameDeps, type RealnameService } from "./service.ts";
import { bssMetricsObserver, createMetrics } from "../metrics/index.ts";

export interface RealnameWiring {
  config: Config;
  settings: RealnameSettings;
  service: RealnameService;
  webhookSecrets: () => Promise<string[]>;
  /** Replay guard of realname-api: true the first time a signed request is seen (records table, TTL). */
  claimSignature: (replayKey: string, expiresAt: number) => Promise<boolean>;
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make();
    p.catch(() => (p = undefined));
    return p;
  };
}

export function wireRealname(env: NodeJS.ProcessEnv, logger: Logger, needs: { bss?: boolean; bucket?: boolean; events?: boolean; webhook?: boolean }): RealnameWiring {
  const config = loadConfig(env, {
    require: [...(needs.bucket ? (["OBS_BUCKET", "OBS_ENDPOINT", "OBS_REGION"] as const) : []), ...(needs.bss ? (["HWC_XACCOUNT_TYPE"] as const) : [])],
    secrets: [...(needs.bss ? (["HWC_AK", "HWC_SK"] as const) : []), ...(needs.bucket ? (["OBS_AK", "OBS_SK"] as const) : []), ...(needs.webhook ? (["WEBHOOK_SECRET"] as const) : [])],
  });
  const settings = realnameSettings(env);
  const sqs = createSqsClient(config.AWS_REGION);
  const submitPublisher = createPublisher({ client: sqs, queueUrl: queueUrl(config, "REALNAME_SUBMIT_QUEUE_URL") });
  const eventPublisher = needs.events ? createPublisher({ client: sqs, queueUrl: queueUrl(config, "REALNAME_EVENTS_QUEUE_URL") }) : undefined;

  const webhookSecrets = memo(async () => {
    const list = splitSecrets(await config.secrets.get("WEBHOOK_SECRET"));
    if (list.length === 0) throw new Error("WEBHOOK_SECRET is empty");
    return list;
  });

  const bucket = memo<PartnerBucket>(async () => {
    const accessKeyId = await config.secrets.get("OBS_AK");
    const secretAccessKey = await config.secrets.get("OBS_SK");
    return partnerBucket(obsClientFromConfig(config, { accessKeyId, secretAccessKey }), config.OBS_BUCKET!);
  });

  const metrics = createMetrics();
  const bss = memo<BssClient>(() => bssClientFromConfig(config, { onEvent: bssMetricsObserver(metrics) }));

  const records = createRecordStore({ tableName: settings.table });
  const deps: RealnameDeps = {
    settings,
    records,
    bucket,
    bss,
    xaccountType: () => {
      if (!config.HWC_XACCOUNT_TYPE) throw new Error("HWC_XACCOUNT_TYPE is not set");
      return config.HWC_XACCOUNT_TYPE;
    },
    publishSubmit: async (applicationId) => {
      await submitPublisher.publish([RealnameSubmitRequested.create({ applicationId })]);
    },
    publishEvent: async (envelope) => {
      if (!eventPublisher) throw new Error("REALNAME_EVENTS_QUEUE_URL is not configured for this function");
      await eventPublisher.publish([envelope]);
    },
    callback: async (url, payload) => postSignedCallback(url, payload, await webhookSecrets(), { allowLoopback: settings.allowLoopbackHttpCallback }),
    metrics,
    logger,
  };
  return { config, settings, service: createRealnameService(deps), webhookSecrets, claimSignature: (key, expiresAt) => records.claimSignature(key, expiresAt) };
}
