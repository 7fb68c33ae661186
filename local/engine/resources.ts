/**
 * Local counterparts of serverless.yml's CloudFormation resources: SQS queues (with redrive to their
 * DLQ), S3 buckets, DynamoDB tables, SES receipt rules (for the SMTP ingress). `planResources` is
 * pure; `provisionResources` creates what is missing in fauxqs / dynalite and brings queue
 * attributes in line with the file (so a restart on an old data directory picks up edits).
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { FauxqsServer } from "./emulators.ts";
import { evaluateIntrinsics, IntrinsicError, type IntrinsicScope } from "./intrinsics.ts";
import type { CfnResource, ServiceModel } from "./service.ts";

export const LOCAL_ACCOUNT = "000000000000";

export interface LocalQueue {
  logicalId: string;
  name: string;
  arn: string;
  url: string;
  fifo: boolean;
  attributes: Record<string, string>;
  redrive: { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
}
export interface LocalBucket {
  logicalId: string;
  name: string;
  arn: string;
}
export interface LocalTable {
  logicalId: string;
  name: string;
  arn: string;
  input: CreateTableCommandInput;
}
export interface LocalMailRule {
  logicalId: string;
  name: string;
  enabled: boolean;
  recipients: string[];
  bucket: string;
  prefix: string;
}

export interface ResourcePlan {
  queues: LocalQueue[];
  buckets: LocalBucket[];
  tables: LocalTable[];
  mailRules: LocalMailRule[];
  scope: IntrinsicScope;
  /** Resources of other types (IAM, policies, …): not needed locally. */
  skipped: string[];
}

const QUEUE_ATTRS = ["DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "ContentBasedDeduplication"];

function lowerName(s: string): string {
  return s.replace(/[^a-zA-Z0-9-]/g, "-").toLowerCase();
}

/** Local name when the template leaves naming to CloudFormation. */
export function defaultPhysicalName(kind: "queue" | "bucket" | "table", service: string, stage: string, logicalId: string): string {
  const base = `${service}-${stage}-${logicalId}`;
  if (kind === "bucket") return lowerName(base).replace(/-+/g, "-").slice(0, 63).replace(/-$/, "");
  if (kind === "queue") return base.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 75);
  return base.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 255);
}

export function planResources(model: ServiceModel, queueUrl: (name: string) => string): ResourcePlan {
  const region = model.region;
  const stackName = `${model.service}-${model.stage}`;
  const names = new Map<string, { kind: string; name: string; arn: string; url?: string }>();
  const entries = Object.entries(model.resources);

  // Scope used while naming: names may only use parameters, pseudo parameters and literals.
  const namingScope: IntrinsicScope = {
    region,
    accountId: LOCAL_ACCOUNT,
    stackName,
    ref: () => undefined,
    getAtt: () => undefined,
  };
  const props = (r: CfnResource) => (r.Properties ?? {}) as Record<string, unknown>;
  for (const [id, r] of entries) {
    const p = props(r);
    const explicit = (key: string) => {
      const v = p[key];
      if (v === undefined) return undefined;
      const evaluated = evaluateIntrinsics(v, namingScope, `resources.${id}.Properties.${key}`);
      if (typeof evaluated !== "string") throw new IntrinsicError(`resources.${id}.Properties.${key} must be text`);
      return evaluated;
    };
    if (r.Type === "AWS::SQS::Queue") {
      const fifo = p["FifoQueue"] === true || p["FifoQueue"] === "true";
      let name = explicit("QueueName") ?? defaultPhysicalName("queue", model.service, model.stage, id);
      if (fifo && !name.endsWith(".fifo")) name += ".fifo";
      names.set(id, { kind: "queue", name, arn: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${name}`, url: queueUrl(name) });
    } else if (r.Type === "AWS::S3::Bucket") {
      const name = explicit("BucketName") ?? defaultPhysicalName("bucket", model.service, model.stage, id);
      names.set(id, { kind: "bucket", name, arn: `arn:aws:s3:::${name}` });
    } else if (r.Type === "AWS::DynamoDB::Table") {
      const name = explicit("TableName") ?? defaultPhysicalName("table", model.service, model.stage, id);
      names.set(id, { kind: "table", name, arn: `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT}:table/${name}` });
    } else if (r.Type === "AWS::SES::ReceiptRuleSet") {
      const name = explicit("RuleSetName") ?? id;
      names.set(id, { kind: "ruleset", name, arn: name });
    }
  }

  const scope: IntrinsicScope = {
    region,
    accountId: LOCAL_ACCOUNT,
    stackName,
    ref(id) {
      const n = names.get(id);
      if (!n) return undefined;
      return n.kind === "queue" ? n.url : n.name;
    },
    getAtt(id, attr) {
      const n = names.get(id);
      if (!n) return undefined;
      if (attr === "Arn") return n.arn;
      if (n.kind === "queue" && attr === "QueueUrl") return n.url;
      if (n.kind === "queue" && attr === "QueueName") return n.name;
      if (n.kind === "bucket" && (attr === "DomainName" || attr === "RegionalDomainName")) return `${n.name}.s3.localhost`;
      if (n.kind === "table" && attr === "TableName") return n.name;
      return undefined;
    },
  };

  const plan: ResourcePlan = { queues: [], buckets: [], tables: [], mailRules: [], scope, skipped: [] };
  for (const [id, r] of entries) {
    const p = props(r);
    const where = `resources.${id}.Properties`;
    const n = names.get(id);
    if (r.Type === "AWS::SQS::Queue" && n) {
      const attributes: Record<string, string> = {};
      for (const key of QUEUE_ATTRS) {
        if (p[key] !== undefined) attributes[key] = String(evaluateIntrinsics(p[key], scope, `${where}.${key}`));
      }
      let redrive: LocalQueue["redrive"];
      if (p["RedrivePolicy"] !== undefined) {
        const rp = evaluateIntrinsics(p["RedrivePolicy"], scope, `${where}.RedrivePolicy`);
        const obj = (typeof rp === "string" ? JSON.parse(rp) : rp) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
        const count = Number(obj.maxReceiveCount);
        if (typeof obj.deadLetterTargetArn !== "string" || !Number.isInteger(count) || count < 1) {
          throw new IntrinsicError(`${where}.RedrivePolicy needs deadLetterTargetArn and a positive maxReceiveCount`);
        }
        redrive = { deadLetterTargetArn: obj.deadLetterTargetArn, maxReceiveCount: count };
      }
      const fifo = n.name.endsWith(".fifo");
      plan.queues.push({ logicalId: id, name: n.name, arn: n.arn, url: n.url!, fifo, attributes, redrive });
    } else if (r.Type === "AWS::S3::Bucket" && n) {
      plan.buckets.push({ logicalId: id, name: n.name, arn: n.arn });
    } else if (r.Type === "AWS::DynamoDB::Table" && n) {
      const t = evaluateIntrinsics(
        { KeySchema: p["KeySchema"], AttributeDefinitions: p["AttributeDefinitions"], GlobalSecondaryIndexes: p["GlobalSecondaryIndexes"], LocalSecondaryIndexes: p["LocalSecondaryIndexes"] },
        scope,
        where,
      ) as Record<string, unknown>;
      const stripThroughput = (indexes: unknown) =>
        Array.isArray(indexes) ? indexes.map((ix: Record<string, unknown>) => ({ IndexName: ix["IndexName"], KeySchema: ix["KeySchema"], Projection: ix["Projection"] })) : undefined;
      const input = {
        TableName: n.name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: t["KeySchema"],
        AttributeDefinitions: t["AttributeDefinitions"],
        ...(t["GlobalSecondaryIndexes"] ? { GlobalSecondaryIndexes: stripThroughput(t["GlobalSecondaryIndexes"]) } : {}),
        ...(t["LocalSecondaryIndexes"] ? { LocalSecondaryIndexes: stripThroughput(t["LocalSecondaryIndexes"]) } : {}),
      } as CreateTableCommandInput;
      plan.tables.push({ logicalId: id, name: n.name, arn: n.arn, input });
    } else if (r.Type === "AWS::SES::ReceiptRule") {
      const rule = evaluateIntrinsics(p["Rule"], scope, `${where}.Rule`) as {
        Name?: string;
        Enabled?: boolean;
        Recipients?: string[];
        Actions?: { S3Action?: { BucketName?: string; ObjectKeyPrefix?: string } }[];
      };
      for (const action of rule.Actions ?? []) {
        if (!action.S3Action?.BucketName) continue;
        plan.mailRules.push({
          logicalId: id,
          name: rule.Name ?? id,
          enabled: rule.Enabled !== false,
          recipients: (rule.Recipients ?? []).map((x) => x.toLowerCase()),
          bucket: action.S3Action.BucketName,
          prefix: action.S3Action.ObjectKeyPrefix ?? "",
        });
      }
    } else if (!names.has(id)) {
      plan.skipped.push(`${id} (${r.Type})`);
    }
  }
  // A redrive target must be a queue of this service.
  for (const q of plan.queues) {
    if (q.redrive && !plan.queues.some((d) => d.arn === q.redrive!.deadLetterTargetArn)) {
      throw new IntrinsicError(`resources.${q.logicalId}: its DLQ ${q.redrive.deadLetterTargetArn} is not a queue of this service`);
    }
  }
  return plan;
}

/** Queues ordered so that every DLQ is created before the queues that redrive to it. */
/**
 * The CreateTable input serverless.yml declares for one table, under another name: for tests and
 * benches that need just that table (keys and indexes then follow the deployment, not a copy).
 */
export function declaredTable(model: ServiceModel, logicalId: string, tableName: string): CreateTableCommandInput {
  const table = planResources(model, (name) => name).tables.find((t) => t.logicalId === logicalId);
  if (!table) throw new Error(`${model.file}: no DynamoDB table ${logicalId}`);
  return { ...table.input, TableName: tableName };
}

export function creationOrder(queues: readonly LocalQueue[]): LocalQueue[] {
  const byArn = new Map(queues.map((q) => [q.arn, q]));
  const out: LocalQueue[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (q: LocalQueue) => {
    const s = state.get(q.arn);
    if (s === "done") return;
    if (s === "visiting") throw new IntrinsicError(`queue ${q.name}: redrive policies form a cycle`);
    state.set(q.arn, "visiting");
    const dlq = q.redrive ? byArn.get(q.redrive.deadLetterTargetArn) : undefined;
    if (dlq) visit(dlq);
    state.set(q.arn, "done");
    out.push(q);
  };
  queues.forEach(visit);
  return out;
}

export function queueAttributes(q: LocalQueue): Record<string, string> {
  return {
    ...q.attributes,
    ...(q.fifo ? { FifoQueue: "true" } : {}),
    ...(q.redrive ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: q.redrive.deadLetterTargetArn, maxReceiveCount: q.redrive.maxReceiveCount }) } : {}),
  };
}

export async function provisionResources(plan: ResourcePlan, fauxqs: FauxqsServer, sqs: SQSClient, dynamo: DynamoDBClient): Promise<void> {
  for (const q of creationOrder(plan.queues)) {
    const attributes = queueAttributes(q);
    if (fauxqs.inspectQueue(q.name)) {
      const { FifoQueue: _fifo, ...mutable } = attributes;
      if (Object.keys(mutable).length > 0) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: mutable }));
    } else {
      fauxqs.createQueue(q.name, { attributes });
    }
  }
  for (const b of plan.buckets) fauxqs.setup({ buckets: [b.name] });
  for (const t of plan.tables) {
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: t.name }));
    } catch (err) {
      if ((err as { name?: string }).name !== "ResourceNotFoundException") throw err;
      await dynamo.send(new CreateTableCommand(t.input));
    }
  }
}
