/** The deploy guard and the generated alarms of local/build/ops-plugin.js (issue 16.1, 16.3), without serverless. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLE_LAYER_ARN, PLACEHOLDERS, operationsResources, placeholderMessage, placeholderParams } from "../../../local/build/ops-plugin.js";
import { parseServiceYaml } from "../../../local/engine/yaml.ts";

const service = parseServiceYaml(readFileSync(resolve(import.meta.dirname, "../../../serverless.yml"), "utf8")) as { params: Record<string, Record<string, unknown>> };

describe("deploy guard", () => {
  it("serverless.yml's defaults are all example values, and the guard names every one of them", () => {
    const found = placeholderParams({ params: service.params, stage: "prod" });
    expect(found.map((f) => f.name).sort()).toEqual(PLACEHOLDERS.map((p) => p.name).sort());
    expect(service.params["default"]?.["secretsExtensionLayerArn"]).toBe(EXAMPLE_LAYER_ARN);
    const msg = placeholderMessage("prod", found);
    expect(msg.split("\n").filter((l) => l.startsWith("  - "))).toHaveLength(PLACEHOLDERS.length);
  });

  it("a value set per stage or on the command line clears that param; the CLI wins over the stage", () => {
    const params = { ...service.params, prod: { mailDomain: "invoices.partner.cn", alarmEmail: "ops@partner.cn" } };
    const names = (cliParams?: string[]) => placeholderParams({ params, stage: "prod", ...(cliParams ? { cliParams } : {}) }).map((f) => f.name);
    expect(names()).not.toContain("mailDomain");
    expect(names()).not.toContain("alarmEmail");
    expect(names()).toContain("hwcXaccountType");
    expect(names(["hwcXaccountType=px_1", "alarmEmail=ops@example.com"])).toEqual(expect.arrayContaining(["alarmEmail"]));
    expect(names(["hwcXaccountType=px_1"])).not.toContain("hwcXaccountType");
    expect(names(["obsBucket=a=b"])).not.toContain("obsBucket"); // value after the first '='
  });

  it("example.com look-alikes are caught, real domains are not", () => {
    const check = (name: string, value: string) => placeholderParams({ params: { default: { [name]: value } }, stage: "x" }).some((f) => f.name === name);
    expect(check("mailDomain", "mail.EXAMPLE.com")).toBe(true);
    expect(check("mailDomain", "example.org")).toBe(true);
    expect(check("mailDomain", "invoices.myexample.com")).toBe(false);
    expect(check("renewalEmailFrom", "a@example.net")).toBe(true);
    expect(check("renewalEmailFrom", "a@partner.com")).toBe(false);
    expect(check("hwcXaccountType", "  ")).toBe(true);
  });
});

describe("generated alarms", () => {
  const resources = {
    WorkQueue: { Type: "AWS::SQS::Queue", Properties: { RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": ["WorkDLQ", "Arn"] }, maxReceiveCount: 5 } } },
    WorkDLQ: { Type: "AWS::SQS::Queue", Properties: {} },
    FnLambdaFunction: { Type: "AWS::Lambda::Function", Properties: {} },
  };
  it("DLQ: visible messages > 0; work queue: age of the oldest message; function: errors; all to the topic", () => {
    const out = operationsResources(resources);
    expect(Object.keys(out).sort()).toEqual(["FnLambdaFunctionErrorsAlarm", "OperationsDashboard", "WorkDLQMessagesAlarm", "WorkQueueAgeAlarm"]);
    expect(out["WorkDLQMessagesAlarm"]!.Properties).toMatchObject({ MetricName: "ApproximateNumberOfMessagesVisible", Threshold: 0, Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": ["WorkDLQ", "QueueName"] } }], AlarmActions: [{ Ref: "AlarmTopic" }] });
    expect(out["WorkQueueAgeAlarm"]!.Properties).toMatchObject({ MetricName: "ApproximateAgeOfOldestMessage", Threshold: 3600 });
    expect(out["FnLambdaFunctionErrorsAlarm"]!.Properties).toMatchObject({ Namespace: "AWS/Lambda", MetricName: "Errors", Dimensions: [{ Name: "FunctionName", Value: { Ref: "FnLambdaFunction" } }] });
    expect(JSON.parse(out["OperationsDashboard"]!.Properties["DashboardBody"]).widgets.length).toBeGreaterThanOrEqual(8);
  });
});
