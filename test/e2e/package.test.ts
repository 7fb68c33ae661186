/**
 * `serverless package` (osls 4 + serverless-esbuild + serverless-iam-roles-per-function) runs with
 * no network, and the generated CloudFormation has, for every function and queue, the properties
 * the deployment relies on. Runs on the project's serverless.yml and on the engine fixture service
 * (which has queues, consumers, schedules and an S3 trigger).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_NAMES } from "../../shared/config/secrets.ts";
import { parseServiceYaml } from "../../local/engine/yaml.ts";

const root = resolve(import.meta.dirname, "../..");
const cli = join(root, "node_modules/serverless/bin/serverless.js");
const denyNetwork = join(root, "test/e2e/helpers/deny-network.mjs");

interface Packaged {
  template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: unknown }> };
  dir: string;
  output: string;
  functions: string[];
}
const out: Record<string, Packaged> = {};
const tmp: string[] = [];

/** Real-looking values for every param the deploy guard refuses at its example value (issue 16.3). */
const DEPLOY_PARAMS = [
  "mailDomain=invoices.partner.test",
  "hwcXaccountType=partner_platform_1",
  "secretsExtensionLayerArn=arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12",
  "renewalEmailFrom=renewals@partner.test",
  "sesIdentity=partner.test",
  "obsBucket=partner-test-realname",
  "alarmEmail=ops@partner.test",
];

function runServerless(serviceDir: string, args: string[]) {
  return spawnSync(process.execPath, ["--import", denyNetwork, cli, ...args], {
    cwd: serviceDir,
    encoding: "utf8",
    timeout: 120_000,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? tmpdir(),
      SLS_TELEMETRY_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
      SLS_DEPRECATION_DISABLE: "*",
      // No credentials, no proxy: nothing may reach AWS.
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
}

function packageService(serviceDir: string, functions: string[], params: readonly string[] = []): Packaged {
  const dir = mkdtempSync(join(tmpdir(), "po-package-"));
  tmp.push(dir);
  const res = runServerless(serviceDir, ["package", "--stage", "prod", "--package", dir, ...params.flatMap((p) => ["--param", p])]);
  const output = `${res.stdout}\n${res.stderr}`;
  if (res.status !== 0) throw new Error(`serverless package failed in ${serviceDir}:\n${output}`);
  const template = JSON.parse(readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8"));
  return { template, dir, output, functions };
}

/** The function names a serverless.yml declares: every one of them is checked below. */
function declaredFunctions(serviceDir: string): string[] {
  const doc = parseServiceYaml(readFileSync(join(serviceDir, "serverless.yml"), "utf8")) as { functions?: Record<string, unknown> };
  return Object.keys(doc.functions ?? {});
}

beforeAll(() => {
  out["project"] = packageService(root, declaredFunctions(root), DEPLOY_PARAMS);
  const fixtureDir = join(root, "test/fixtures/engine-service");
  out["fixture"] = packageService(fixtureDir, declaredFunctions(fixtureDir));
}, 180_000);
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

/** osls's normalised logical id: first letter upper-cased, `-` → "Dash", `_` → "Underscore". */
const logicalName = (fn: string) => (fn.charAt(0).toUpperCase() + fn.slice(1)).replace(/-/g, "Dash").replace(/_/g, "Underscore");

/**
 * Secret names a function's code loads: the `secrets: [...]` of its handler's loadConfig call, or
 * those of the real-name wiring (which loads HWC, OBS and webhook secrets as its functions need).
 */
function secretsLoadedBy(fn: string): string[] {
  const src = readFileSync(join(root, "functions", fn, "handler.ts"), "utf8");
  const names = new Set<string>();
  for (const m of src.matchAll(/secrets:\s*\[([^\]]*)\]/g)) for (const s of m[1]!.matchAll(/"([A-Z_]+)"/g)) names.add(s[1]!);
  if (/wireRealname\(/.test(src)) {
    const wiring = readFileSync(join(root, "shared/realname-io/wiring.ts"), "utf8");
    for (const s of wiring.matchAll(/\["([A-Z_]+)", "([A-Z_]+)"\]|\["(WEBHOOK_SECRET)"\]/g)) for (const n of s.slice(1)) if (n) names.add(n);
  }
  return [...names].filter((n) => SECRET_NAMES.includes(n as (typeof SECRET_NAMES)[number]));
}

const byType = (p: Packaged, type: string) => Object.entries(p.template.Resources).filter(([, r]) => r.Type === type);

function refId(v: any): string | undefined {
  if (v && typeof v === "object") {
    if (typeof v.Ref === "string") return v.Ref;
    if (Array.isArray(v["Fn::GetAtt"])) return v["Fn::GetAtt"][0];
  }
  return undefined;
}

describe.each(["project", "fixture"])("serverless package (%s)", (which) => {
  it("ran offline: no connection or DNS lookup outside loopback", () => {
    expect(out[which]!.output).not.toContain("PARTNER-OPS-NETWORK-ATTEMPT");
  });

  it("every function: nodejs24.x, minified ESM bundle without source maps, its own role, no plain secrets", async () => {
    const p = out[which]!;
    const { readdirSync } = await import("node:fs");
    const zips = readdirSync(p.dir).filter((f) => f.endsWith(".zip"));
    for (const [, fn] of byType(p, "AWS::Lambda::Function")) expect(fn.Properties["Runtime"]).toBe("nodejs24.x");
    const roles = new Set<string>();
    for (const name of p.functions) {
      const fn = p.template.Resources[`${logicalName(name)}LambdaFunction`];
      expect(fn, name).toBeDefined();
      expect(fn!.Properties["Runtime"]).toBe("nodejs24.x");
      expect(fn!.Properties["Architectures"]).toEqual(["arm64"]);
      const role = refId(fn!.Properties["Role"]);
      expect(role).toBe(`${logicalName(name)}IamRoleLambdaExecution`);
      roles.add(role!);
      // Secrets only by reference.
      const vars = (fn!.Properties["Environment"]?.Variables ?? {}) as Record<string, unknown>;
      for (const secret of SECRET_NAMES) expect(Object.keys(vars), `${name} has plain ${secret}`).not.toContain(secret);
      for (const [k, v] of Object.entries(vars)) if (k.endsWith("_REF")) expect(String(v)).toMatch(/^(ssm:|secretsmanager:)/);
      // Bundle: one .mjs, minified, no map.
      expect(zips).toContain(`${name}.zip`);
      const { execFileSync } = await import("node:child_process");
      const listing = execFileSync("unzip", ["-l", join(p.dir, `${name}.zip`)], { encoding: "utf8" });
      expect(listing).toMatch(/\.mjs\n/);
      expect(listing).not.toMatch(/\.map\n/);
      const code = execFileSync("unzip", ["-p", join(p.dir, `${name}.zip`)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      expect(code.length / code.split("\n").length, `${name} is not minified`).toBeGreaterThan(1000); // long lines = minified
      expect(code).not.toContain("sourceMappingURL");
      // local/build/esbuild-plugins.js ran: zod's other languages are not in the bundle.
      if (code.includes("Invalid input")) expect(code, `${name} bundles zod's zh-CN messages`).not.toContain("无效输入");
    }
    expect(roles.size).toBe(p.functions.length);
  });

  it("every function role is least privilege: no wildcard actions, no Resource '*'", () => {
    const p = out[which]!;
    for (const name of p.functions) {
      const role = p.template.Resources[`${logicalName(name)}IamRoleLambdaExecution`]!;
      expect(role.Properties["ManagedPolicyArns"] ?? []).toEqual([]);
      for (const policy of role.Properties["Policies"] as { PolicyDocument: { Statement: any[] } }[]) {
        for (const st of policy.PolicyDocument.Statement) {
          const actions: string[] = [st.Action].flat();
          for (const a of actions) expect(a, `${name}: ${a}`).not.toMatch(/(^\*$|:\*$)/);
          const resources = [st.Resource].flat();
          for (const r of resources) expect(r, `${name}: ${JSON.stringify(st)}`).not.toBe("*");
        }
      }
    }
  });

  it("every queue has a DLQ with a redrive policy (or is one), with a visibility timeout at least the consumer's timeout", () => {
    const p = out[which]!;
    const queues = byType(p, "AWS::SQS::Queue");
    const dlqs = new Set(queues.map(([, q]) => refId(q.Properties["RedrivePolicy"]?.deadLetterTargetArn)).filter(Boolean));
    for (const [id, q] of queues) {
      if (dlqs.has(id)) {
        expect(q.Properties["RedrivePolicy"], `${id} is a DLQ`).toBeUndefined();
        expect(Number(q.Properties["MessageRetentionPeriod"])).toBe(1_209_600);
        continue;
      }
      const rp = q.Properties["RedrivePolicy"];
      expect(rp, `${id} has no RedrivePolicy`).toBeDefined();
      expect(Number(rp.maxReceiveCount)).toBeGreaterThanOrEqual(1);
      expect(p.template.Resources[refId(rp.deadLetterTargetArn)!]?.Type).toBe("AWS::SQS::Queue");
    }
    for (const [id, m] of byType(p, "AWS::Lambda::EventSourceMapping")) {
      const queue = p.template.Resources[refId(m.Properties["EventSourceArn"])!]!;
      const fn = p.template.Resources[refId(m.Properties["FunctionName"])!]!;
      expect(Number(queue.Properties["VisibilityTimeout"] ?? 30), id).toBeGreaterThanOrEqual(Number(fn.Properties["Timeout"]));
    }
    if (which === "fixture") expect(queues.length).toBe(4);
  });

  it("every SQS event reports batch item failures and has an explicit maximum concurrency", () => {
    const p = out[which]!;
    const mappings = byType(p, "AWS::Lambda::EventSourceMapping");
    for (const [id, m] of mappings) {
      expect(m.Properties["FunctionResponseTypes"], id).toEqual(["ReportBatchItemFailures"]);
      expect(m.Properties["ScalingConfig"]?.MaximumConcurrency, id).toBeGreaterThanOrEqual(2);
      expect(m.Properties["BatchSize"], id).toBeGreaterThanOrEqual(1);
    }
    if (which === "fixture") expect(mappings.length).toBe(2);
  });

  it("schedules, the inbound-mail rule and the tables are in the template", () => {
    const p = out[which]!;
    const rules = byType(p, "AWS::SES::ReceiptRule");
    expect(rules.length).toBe(1);
    const rule = rules[0]![1].Properties["Rule"];
    expect(rule.Recipients).toEqual([which === "project" ? "invoices.partner.test" : "fixture.test"]);
    expect(rule.Actions[0].S3Action.ObjectKeyPrefix).toBe("inbound/");
    for (const [id, t] of byType(p, "AWS::DynamoDB::Table")) {
      expect(t.Properties["BillingMode"], id).toBe("PAY_PER_REQUEST");
      expect(t.Properties["TimeToLiveSpecification"]?.Enabled, id).toBe(true);
    }
    if (which === "project") {
      expect(byType(p, "AWS::DynamoDB::Table").map(([id]) => id).sort()).toEqual(["IdempotencyTable", "LedgerTable", "RealnameApplicationsTable"]);
      const health = p.template.Resources["HealthLambdaFunction"]!;
      expect(health.Properties["Layers"]?.[0]).toMatch(/AWS-Parameters-and-Secrets-Lambda-Extension/);
      expect(health.Properties["Environment"].Variables.HWC_SK_REF).toBe("ssm:/partner-ops/prod/hwc/sk");
      // The operator's next steps after a deploy need these names (README "Deploy to AWS").
      const outputs = (p.template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
      for (const [name, resource] of [["InvoiceEventsQueueUrl", "InvoiceEventsQueue"], ["RealnameEventsQueueUrl", "RealnameEventsQueue"], ["RenewalConfigBucketName", "RenewalConfigBucket"], ["InboundMailBucketName", "InboundMailBucket"]] as const)
        expect(outputs[name]?.Value, name).toEqual({ Ref: resource });
    } else {
      const schedules = byType(p, "AWS::Events::Rule").map(([, r]) => r.Properties["ScheduleExpression"]).sort();
      expect(schedules).toEqual(["cron(0 8 ? * MON-FRI *)", "rate(1 minute)"]);
    }
  });
});

describe("serverless package (project): operations (issue 16.1, 16.3)", () => {
  const alarms = () => byType(out["project"]!, "AWS::CloudWatch::Alarm");
  const alarmOn = (metric: string, dimension: string, id: string) =>
    alarms().find(([, a]) => a.Properties["MetricName"] === metric && a.Properties["Dimensions"]?.some((d: any) => d.Name === dimension && refId(d.Value) === id));

  it("one SNS topic with the alarmEmail e-mail subscription; every alarm notifies it", () => {
    const p = out["project"]!;
    const topics = byType(p, "AWS::SNS::Topic");
    expect(topics.map(([id]) => id)).toEqual(["AlarmTopic"]);
    expect(topics[0]![1].Properties["Subscription"]).toEqual([{ Protocol: "email", Endpoint: "ops@partner.test" }]);
    expect(alarms().length).toBeGreaterThan(0);
    for (const [id, a] of alarms()) expect(a.Properties["AlarmActions"], id).toEqual([{ Ref: "AlarmTopic" }]);
  });

  it("every DLQ alarms on any visible message; every work queue on the age of its oldest message", () => {
    const queues = byType(out["project"]!, "AWS::SQS::Queue");
    const dlqs = new Set(queues.map(([, q]) => refId(q.Properties["RedrivePolicy"]?.deadLetterTargetArn)).filter(Boolean));
    expect(dlqs.size).toBeGreaterThanOrEqual(6);
    for (const [id] of queues) {
      if (dlqs.has(id)) {
        const a = alarmOn("ApproximateNumberOfMessagesVisible", "QueueName", id);
        expect(a, `${id} has no DLQ alarm`).toBeDefined();
        expect(a![1].Properties).toMatchObject({ Namespace: "AWS/SQS", Threshold: 0, ComparisonOperator: "GreaterThanThreshold", Statistic: "Maximum" });
      } else {
        const a = alarmOn("ApproximateAgeOfOldestMessage", "QueueName", id);
        expect(a, `${id} has no age alarm`).toBeDefined();
        expect(a![1].Properties["Namespace"]).toBe("AWS/SQS");
      }
    }
  });

  it("every function has an error alarm; the dashboard shows the EMF metrics", () => {
    const p = out["project"]!;
    for (const [id] of byType(p, "AWS::Lambda::Function")) {
      const a = alarmOn("Errors", "FunctionName", id);
      expect(a, `${id} has no error alarm`).toBeDefined();
      expect(a![1].Properties).toMatchObject({ Namespace: "AWS/Lambda", Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
    }
    const dashboards = byType(p, "AWS::CloudWatch::Dashboard");
    expect(dashboards).toHaveLength(1);
    const body = JSON.parse(dashboards[0]![1].Properties["DashboardBody"]);
    const text = JSON.stringify(body);
    for (const metric of ["RemindersDue", "RemindersSent", "RemindersFailed", "Notices", "Applications", "BssCalls", "BssRetries", "BssThrottles", "RecordsSkipped"]) expect(text).toContain(metric);
    const fn = p.template.Resources["HealthLambdaFunction"]!;
    expect(fn.Properties["Environment"].Variables.POWERTOOLS_METRICS_NAMESPACE).toBe("PartnerOps");
  });

  it("a stage other than local/check with example params stops with one message naming every one of them", () => {
    const dir = mkdtempSync(join(tmpdir(), "po-package-guard-"));
    tmp.push(dir);
    const res = runServerless(root, ["package", "--stage", "prod", "--package", dir]);
    const output = `${res.stdout}\n${res.stderr}`;
    expect(res.status).not.toBe(0);
    expect(output).toContain('Stage "prod" still uses example values for 7 param(s)');
    for (const name of ["mailDomain", "hwcXaccountType", "secretsExtensionLayerArn", "renewalEmailFrom", "sesIdentity", "obsBucket", "alarmEmail"]) expect(output).toContain(`- ${name} =`);
    expect(output).not.toContain("Service packaged");
  }, 60_000);
});

describe("serverless package (project): secrets", () => {
  it("every function may read (ssm:GetParameter) each secret its code loads, under its *_REF path", () => {
    const p = out["project"]!;
    let checked = 0;
    for (const name of p.functions) {
      const needed = secretsLoadedBy(name);
      if (needed.length === 0) continue;
      const fn = p.template.Resources[`${logicalName(name)}LambdaFunction`]!;
      const vars = (fn.Properties["Environment"]?.Variables ?? {}) as Record<string, unknown>;
      const role = p.template.Resources[`${logicalName(name)}IamRoleLambdaExecution`]!;
      const allowed = (role.Properties["Policies"] as { PolicyDocument: { Statement: any[] } }[])
        .flatMap((pol) => pol.PolicyDocument.Statement)
        .filter((st) => st.Effect === "Allow" && [st.Action].flat().includes("ssm:GetParameter"))
        .flatMap((st) => [st.Resource].flat())
        .map((r) => (typeof r === "string" ? r : String(r?.["Fn::Sub"] ?? "")))
        .map((arn) => arn.replace(/^.*:parameter/, ""));
      for (const secret of needed) {
        const ref = String(vars[`${secret}_REF`] ?? "");
        expect(ref, `${name} loads ${secret} but has no ${secret}_REF`).toMatch(/^ssm:\//);
        const path = ref.slice("ssm:".length);
        const covered = allowed.some((pattern) => (pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern));
        expect(covered, `${name} loads ${secret} (${path}) but its role may not read it`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
