/**
 * Where the console reads: the names of the stage's tables, buckets and queues, and the SDK clients
 * to reach them. Three ways to get them:
 * - `fromEngine(engine)`: an engine in this process (`npm start`, tests) — its plan and clients;
 * - `fromRunningEngine(dataDir)`: an engine in another process (`partner-ops console --stage local`),
 *   found through `<data-dir>/engine.json`; names come from serverless.yml the same way the engine
 *   computed them;
 * - `fromAwsStage(stage, region)`: a deployed stack `<service>-<stage>`; names from CloudFormation
 *   (ListStackResources: logical id → physical id), credentials from the AWS SDK's default chain.
 */
import { CloudFormationClient, ListStackResourcesCommand, type StackResourceSummary } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { resolve } from "node:path";
import { createDocumentClient } from "../shared/ledger/index.ts";
import { metricsFileOf } from "../shared/metrics/index.ts";

/** The resources of serverless.yml the console reads, by logical id. */
export const CONSOLE_RESOURCES = {
  tables: { ledger: "LedgerTable", realname: "RealnameApplicationsTable" },
  buckets: { inbound: "InboundMailBucket", config: "RenewalConfigBucket" },
} as const;

export interface ConsoleQueue {
  logicalId: string;
  name: string;
  url: string;
  /** Logical id of this queue's DLQ, when it has one. */
  dlqOf?: string | undefined;
  isDlq: boolean;
}

export interface ConsoleSources {
  mode: "local" | "aws";
  stage: string;
  region: string;
  tables: { ledger: string; realname: string | undefined };
  buckets: { inbound: string | undefined; config: string | undefined };
  queues: ConsoleQueue[];
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
  /** Local only: fauxqs's inspection endpoint, for reading a DLQ without receiving its messages. */
  fauxqs?: string | undefined;
  /** The environment each function runs with (local engine in this process), for the Health view. */
  functionEnv?: ((fn: string) => Readonly<Record<string, string>>) | undefined;
  functions: string[];
  /** Local only: the engine's metrics file (EMF lines, shared/metrics), for the Health view. */
  metricsFile?: string | undefined;
  bss: { mode: "sandbox"; url: string } | { mode: "real"; endpoint: string } | { mode: "none"; reason: string } | { mode: "unknown" };
  close(): void;
}

/** What `fromEngine` needs of a local Engine (kept structural so the console does not import the engine). */
export interface EngineLike {
  model: { stage: string; region: string; functions: { name: string }[] };
  plan: { buckets: { logicalId: string; name: string }[]; tables: { logicalId: string; name: string }[] };
  queues: readonly { logicalId: string; name: string; url: string; arn: string; redrive: { deadLetterTargetArn: string } | undefined }[];
  clients: { sqs: SQSClient; s3: S3Client; dynamodb: DynamoDBClient };
  urls: { fauxqs: string };
  bss: ConsoleSources["bss"];
  functionEnv(fn: string): Readonly<Record<string, string>>;
  dataDir?: string | undefined;
}

/** Queues with their DLQ relation, from (logicalId, name, url, arn, redrive target arn). */
export function linkQueues(qs: readonly { logicalId: string; name: string; url: string; arn: string; dlqArn: string | undefined }[]): ConsoleQueue[] {
  const dlqArns = new Set(qs.map((q) => q.dlqArn).filter((a): a is string => a !== undefined));
  return qs.map((q) => {
    const dlq = q.dlqArn ? qs.find((x) => x.arn === q.dlqArn) : undefined;
    return { logicalId: q.logicalId, name: q.name, url: q.url, dlqOf: dlq?.logicalId, isDlq: dlqArns.has(q.arn) };
  });
}

export function fromEngine(engine: EngineLike): ConsoleSources {
  const bucketOf = (id: string) => engine.plan.buckets.find((b) => b.logicalId === id)?.name;
  const tableOf = (id: string) => engine.plan.tables.find((t) => t.logicalId === id)?.name;
  const ledger = tableOf(CONSOLE_RESOURCES.tables.ledger);
  if (!ledger) throw new Error("the service has no LedgerTable: nothing for the console to read");
  return {
    mode: "local",
    stage: engine.model.stage,
    region: engine.model.region,
    tables: { ledger, realname: tableOf(CONSOLE_RESOURCES.tables.realname) },
    buckets: { inbound: bucketOf(CONSOLE_RESOURCES.buckets.inbound), config: bucketOf(CONSOLE_RESOURCES.buckets.config) },
    queues: linkQueues(engine.queues.filter((q) => !q.name.startsWith("partner-ops-engine-")).map((q) => ({ ...q, dlqArn: q.redrive?.deadLetterTargetArn }))),
    doc: createDocumentClient(engine.clients.dynamodb),
    sqs: engine.clients.sqs,
    s3: engine.clients.s3,
    fauxqs: engine.urls.fauxqs,
    functionEnv: (fn) => engine.functionEnv(fn),
    functions: engine.model.functions.map((f) => f.name),
    metricsFile: engine.dataDir ? metricsFileOf(engine.dataDir) : undefined,
    bss: engine.bss,
    close() {},
  };
}

/** The stack's resources by logical id, as CloudFormation names them (pages through ListStackResources). */
export async function stackResources(cfn: Pick<CloudFormationClient, "send">, stackName: string): Promise<StackResourceSummary[]> {
  const out: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const res = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, ...(token ? { NextToken: token } : {}) }));
    out.push(...(res.StackResourceSummaries ?? []));
    token = res.NextToken;
  } while (token);
  return out;
}

export class ResolutionError extends Error {
  override name = "ResolutionError";
}

export interface ResolvedNames {
  tables: { ledger: string; realname: string | undefined };
  buckets: { inbound: string | undefined; config: string | undefined };
  /** Queue URLs (CloudFormation's physical id of an SQS queue is its URL) with the redrive links of serverless.yml. */
  queues: ConsoleQueue[];
}

/**
 * Resolves the names the console needs from a stack's resources. `redrive` maps each queue's
 * logical id to its DLQ's logical id (from serverless.yml). Pure.
 */
export function resolveNames(resources: readonly StackResourceSummary[], redrive: Readonly<Record<string, string>>, stackName: string): ResolvedNames {
  const byId = new Map(resources.filter((r) => r.LogicalResourceId && r.PhysicalResourceId).map((r) => [r.LogicalResourceId!, r]));
  const physical = (id: string, type: string) => {
    const r = byId.get(id);
    return r && r.ResourceType === type ? r.PhysicalResourceId : undefined;
  };
  const ledger = physical(CONSOLE_RESOURCES.tables.ledger, "AWS::DynamoDB::Table");
  if (!ledger) throw new ResolutionError(`stack ${stackName} has no LedgerTable (is it a partner-ops stack, deployed?)`);
  const dlqIds = new Set(Object.values(redrive));
  const queues: ConsoleQueue[] = resources
    .filter((r) => r.ResourceType === "AWS::SQS::Queue" && r.LogicalResourceId && r.PhysicalResourceId)
    .map((r) => {
      const url = r.PhysicalResourceId!;
      return { logicalId: r.LogicalResourceId!, name: url.split("/").pop() ?? url, url, dlqOf: redrive[r.LogicalResourceId!], isDlq: dlqIds.has(r.LogicalResourceId!) };
    })
    .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
  return {
    tables: { ledger, realname: physical(CONSOLE_RESOURCES.tables.realname, "AWS::DynamoDB::Table") },
    buckets: { inbound: physical(CONSOLE_RESOURCES.buckets.inbound, "AWS::S3::Bucket"), config: physical(CONSOLE_RESOURCES.buckets.config, "AWS::S3::Bucket") },
    queues,
  };
}

/** Queue logical id → DLQ logical id, from serverless.yml's resources (RedrivePolicy with !GetAtt <DLQ>.Arn). */
export function redriveLinks(resources: Readonly<Record<string, { Type: string; Properties?: Record<string, unknown> }>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== "AWS::SQS::Queue") continue;
    const target = (r.Properties?.["RedrivePolicy"] as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn;
    const getAtt = (target as { "Fn::GetAtt"?: unknown } | undefined)?.["Fn::GetAtt"];
    const ref = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === "string" ? getAtt.split(".")[0] : undefined;
    if (typeof ref === "string") out[id] = ref;
  }
  return out;
}

/** A deployed stage, with the operator's own credentials (default chain: env, profile, SSO, instance role). */
export async function fromAwsStage(options: { stage: string; region?: string; serviceFile?: string; service?: string }): Promise<ConsoleSources> {
  const { loadService } = await import("../local/engine/service.ts");
  const model = loadService(resolve(options.serviceFile ?? "serverless.yml"), { stage: options.stage, ...(options.region ? { region: options.region } : {}) });
  const region = options.region ?? process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"] ?? model.region;
  const stackName = `${options.service ?? model.service}-${options.stage}`;
  const cfn = new CloudFormationClient({ region });
  let names: ResolvedNames;
  try {
    names = resolveNames(await stackResources(cfn, stackName), redriveLinks(model.resources), stackName);
  } finally {
    cfn.destroy();
  }
  const dynamodb = new DynamoDBClient({ region });
  const sqs = new SQSClient({ region });
  const s3 = new S3Client({ region });
  // Resolve any queue whose physical id is not a URL (older stacks): GetQueueUrl by name.
  for (const q of names.queues) {
    if (!q.url.startsWith("https://")) q.url = (await sqs.send(new GetQueueUrlCommand({ QueueName: q.name }))).QueueUrl ?? q.url;
  }
  return {
    mode: "aws",
    stage: options.stage,
    region,
    ...names,
    doc: createDocumentClient(dynamodb),
    sqs,
    s3,
    functions: model.functions.map((f) => f.name),
    bss: { mode: "unknown" },
    close() {
      dynamodb.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}

/** An engine running in another process on `dataDir` (its engine.json). */
export async function fromRunningEngine(dataDir: string): Promise<ConsoleSources> {
  const { readRuntimeInfo } = await import("../local/engine/engine.ts");
  const { loadService } = await import("../local/engine/service.ts");
  const { planResources } = await import("../local/engine/resources.ts");
  const { localCredentials, LOCAL_ACCOUNT_ID } = await import("../local/engine/emulators.ts");
  const dir = resolve(dataDir);
  const info = readRuntimeInfo(dir);
  if (!info) throw new Error(`no engine is running on ${dir}: start it with \`npm start\` (its banner prints the console's address too)`);
  const model = loadService(info.serviceFile, { stage: info.stage, region: info.region });
  const plan = planResources(model, (name) => `${info.fauxqs}/${LOCAL_ACCOUNT_ID}/${name}`);
  const base = { region: info.region, credentials: localCredentials() };
  const dynamodb = new DynamoDBClient({ ...base, endpoint: info.dynamodb });
  const sqs = new SQSClient({ ...base, endpoint: info.fauxqs });
  const s3 = new S3Client({ ...base, endpoint: info.fauxqs, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  const bucketOf = (id: string) => plan.buckets.find((b) => b.logicalId === id)?.name;
  const tableOf = (id: string) => plan.tables.find((t) => t.logicalId === id)?.name;
  return {
    mode: "local",
    stage: info.stage,
    region: info.region,
    tables: { ledger: tableOf(CONSOLE_RESOURCES.tables.ledger)!, realname: tableOf(CONSOLE_RESOURCES.tables.realname) },
    buckets: { inbound: bucketOf(CONSOLE_RESOURCES.buckets.inbound), config: bucketOf(CONSOLE_RESOURCES.buckets.config) },
    queues: linkQueues(plan.queues.map((q) => ({ ...q, dlqArn: q.redrive?.deadLetterTargetArn }))),
    doc: createDocumentClient(dynamodb),
    sqs,
    s3,
    fauxqs: info.fauxqs,
    functions: model.functions.map((f) => f.name),
    metricsFile: metricsFileOf(dir),
    bss: info.sandbox ? { mode: "sandbox", url: info.sandbox } : { mode: "real", endpoint: "(see the engine's banner)" },
    close() {
      dynamodb.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}
