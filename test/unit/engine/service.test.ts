import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateIntrinsics, IntrinsicError, type IntrinsicScope } from "../../../local/engine/intrinsics.ts";
import { creationOrder, planResources, queueAttributes } from "../../../local/engine/resources.ts";
import { loadServiceFromText, ServiceFileError } from "../../../local/engine/service.ts";
import { parseVariable, resolveVariables, VariableError } from "../../../local/engine/variables.ts";
import { parseServiceYaml } from "../../../local/engine/yaml.ts";

const ctx = { stage: "dev", region: "eu-west-1", env: { HOME_DIR: "/h", EMPTY: "" } };

describe("serverless.yml variables", () => {
  it("resolves self, sls, opt, env and param, keeping the type of a lone variable", () => {
    const doc = {
      params: { default: { size: 3, prefix: "/po/${sls:stage}" }, dev: { size: 5 } },
      custom: { n: 10, name: "svc-${sls:stage}", nested: { a: "${self:custom.name}-x" } },
      out: {
        n: "${self:custom.n}",
        text: "n=${self:custom.n}",
        name: "${self:custom.nested.a}",
        stage: "${sls:stage}",
        region: "${opt:region}",
        env: "${env:HOME_DIR}",
        envDefault: "${env:NOPE, 'fallback'}",
        envNested: "${env:NOPE, ${self:custom.name}}",
        num: "${env:NOPE, 42}",
        param: "${param:size}",
        paramDefault: "${param:prefix}",
        paramMissing: "${param:other, 'x'}",
        obj: "${self:custom.nested}",
      },
    };
    const out = (resolveVariables(doc, ctx) as { out: Record<string, unknown> }).out;
    expect(out).toEqual({
      n: 10,
      text: "n=10",
      name: "svc-dev-x",
      stage: "dev",
      region: "eu-west-1",
      env: "/h",
      envDefault: "fallback",
      envNested: "svc-dev",
      num: 42,
      param: 5,
      paramDefault: "/po/dev",
      paramMissing: "x",
      obj: { a: "svc-dev-x" },
    });
  });

  it("lets --param overrides win", () => {
    const doc = { params: { default: { a: "file" } }, v: "${param:a}" };
    expect((resolveVariables(doc, { ...ctx, params: { a: "cli" } }) as { v: string }).v).toBe("cli");
  });

  it("leaves Fn::Sub placeholders alone", () => {
    const doc = { s: "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${sls:stage}/x", t: "${Bucket.Arn}/*", u: "${Name}" };
    expect(resolveVariables(doc, ctx)).toEqual({ s: "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/dev/x", t: "${Bucket.Arn}/*", u: "${Name}" });
  });

  it("fails clearly on missing values, unsupported sources, cycles and embedded objects", () => {
    expect(() => resolveVariables({ a: { b: "${env:NOT_SET}" } }, ctx)).toThrow(/a\.b: cannot resolve \$\{env:NOT_SET\}: environment variable NOT_SET is not set/);
    expect(() => resolveVariables({ a: "${ssm:/x/y}" }, ctx)).toThrow(/"ssm" variable source is not supported/);
    expect(() => resolveVariables({ a: "${aws:accountId}" }, ctx)).toThrow(VariableError);
    expect(() => resolveVariables({ a: "${file(./x.yml)}" }, ctx)).toThrow(/"file" variable source/);
    expect(() => resolveVariables({ a: "${self:b}", b: "${self:a}" }, ctx)).toThrow(/circular/);
    expect(() => resolveVariables({ o: { k: 1 }, a: "x-${self:o}" }, ctx)).toThrow(/cannot be embedded/);
    expect(() => resolveVariables({ a: "${sls:instanceId}" }, ctx)).toThrow(/only \$\{sls:stage\}/);
    expect(() => resolveVariables({ a: "${env:X, bare}" }, ctx)).toThrow(/fallback/);
  });

  it("parses fallbacks with commas and braces inside quotes", () => {
    expect(parseVariable("${env:X, 'a, b}'}")?.fallbacks).toEqual(["'a, b}'"]);
    expect((resolveVariables({ v: "${env:X, 'a, b}'}" }, ctx) as { v: string }).v).toBe("a, b}");
  });

  it("property: text without ${ is unchanged, and env values substitute verbatim", () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes("${")), fc.string().filter((s) => !s.includes("${")), (text, value) => {
        expect(resolveVariables({ t: text }, ctx)).toEqual({ t: text });
        expect(resolveVariables({ t: `[${"${env:V}"}]` }, { ...ctx, env: { V: value } })).toEqual({ t: `[${value}]` });
      }),
    );
  });
});

describe("CloudFormation tags and intrinsics", () => {
  it("turns short-form tags into long form", () => {
    const doc = parseServiceYaml(
      [
        "a: !Ref Q",
        "b: !GetAtt Q.Arn",
        'c: !Join ["", [!GetAtt B.Arn, "/*"]]',
        "d: !Sub 'x-${AWS::Region}'",
        "e: !Select [1, !Split [',', 'a,b']]",
        "f: !GetAtt [Q, QueueUrl]",
      ].join("\n"),
    );
    expect(doc).toEqual({
      a: { Ref: "Q" },
      b: { "Fn::GetAtt": ["Q", "Arn"] },
      c: { "Fn::Join": ["", [{ "Fn::GetAtt": ["B", "Arn"] }, "/*"]] },
      d: { "Fn::Sub": "x-${AWS::Region}" },
      e: { "Fn::Select": [1, { "Fn::Split": [",", "a,b"] }] },
      f: { "Fn::GetAtt": ["Q", "QueueUrl"] },
    });
  });

  const scope: IntrinsicScope = {
    region: "us-east-1",
    accountId: "000000000000",
    stackName: "svc-dev",
    ref: (id) => ({ Q: "http://q/url", B: "bucket-name" })[id],
    getAtt: (id, a) => (id === "Q" && a === "Arn" ? "arn:aws:sqs:us-east-1:000000000000:q" : id === "B" && a === "Arn" ? "arn:aws:s3:::bucket-name" : undefined),
  };

  it("evaluates Ref, GetAtt, Sub, Join, Select, Split locally", () => {
    const v = evaluateIntrinsics(
      {
        url: { Ref: "Q" },
        arn: { "Fn::GetAtt": ["Q", "Arn"] },
        sub: { "Fn::Sub": "${AWS::StackName}/${B}/${Q.Arn}/${!Literal}" },
        sub2: { "Fn::Sub": ["${x}-${AWS::Region}", { x: { Ref: "B" } }] },
        join: { "Fn::Join": ["", [{ "Fn::GetAtt": ["B", "Arn"] }, "/*"]] },
        sel: { "Fn::Select": [1, { "Fn::Split": [",", "a,b,c"] }] },
        plain: { nested: [{ Ref: "AWS::AccountId" }] },
      },
      scope,
      "t",
    );
    expect(v).toEqual({
      url: "http://q/url",
      arn: "arn:aws:sqs:us-east-1:000000000000:q",
      sub: "svc-dev/bucket-name/arn:aws:sqs:us-east-1:000000000000:q/${Literal}",
      sub2: "bucket-name-us-east-1",
      join: "arn:aws:s3:::bucket-name/*",
      sel: "b",
      plain: { nested: ["000000000000"] },
    });
  });

  it("names the unsupported function and the place", () => {
    expect(() => evaluateIntrinsics({ "Fn::If": ["C", 1, 2] }, scope, "functions.f.environment.X")).toThrow(/functions\.f\.environment\.X: Fn::If is not evaluated/);
    expect(() => evaluateIntrinsics({ Ref: "Nope" }, scope, "w")).toThrow(IntrinsicError);
  });
});

const serviceYaml = `
service: demo
provider:
  name: aws
  runtime: nodejs24.x
  stage: \${opt:stage, 'ignored'}
  timeout: 10
  environment:
    SHARED: one
    QUEUE_URL: !Ref Work
functions:
  api:
    handler: handlers/api.handler
    environment: { SHARED: two }
    events:
      - httpApi: 'POST /items/{id}'
      - http: { method: get, path: legacy }
      - httpApi: '*'
  worker:
    handler: handlers/worker.main
    timeout: 20
    events:
      - sqs: { arn: !GetAtt Work.Arn, batchSize: 5, functionResponseType: ReportBatchItemFailures, maximumConcurrency: 2 }
      - schedule: rate(5 minutes)
      - schedule: { rate: [cron(0 8 * * ? *)], input: { k: 1 } }
      - s3: { bucket: !Ref Mail, event: s3:ObjectCreated:*, rules: [{ prefix: inbound/ }], existing: true }
      - eventBridge: { pattern: { source: [x] } }
resources:
  Resources:
    Work:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: demo-\${sls:stage}-work
        VisibilityTimeout: 120
        RedrivePolicy: { deadLetterTargetArn: !GetAtt WorkDLQ.Arn, maxReceiveCount: 3 }
    WorkDLQ:
      Type: AWS::SQS::Queue
      Properties: { MessageRetentionPeriod: 1209600 }
    Mail:
      Type: AWS::S3::Bucket
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        TimeToLiveSpecification: { AttributeName: ttl, Enabled: true }
    Rule:
      Type: AWS::SES::ReceiptRule
      Properties:
        RuleSetName: x
        Rule:
          Enabled: true
          Recipients: [Mail.Example.com]
          Actions: [{ S3Action: { BucketName: !Ref Mail, ObjectKeyPrefix: inbound/ } }]
    Role:
      Type: AWS::IAM::Role
`;

describe("service model", () => {
  it("reads functions, events, timeouts and merged environment", () => {
    const m = loadServiceFromText(serviceYaml, "/svc/serverless.yml", { stage: "test", env: {} });
    expect(m.service).toBe("demo");
    expect(m.stage).toBe("test");
    const api = m.functions.find((f) => f.name === "api")!;
    expect(api.handlerFile).toBe("/svc/handlers/api.ts");
    expect(api.exportName).toBe("handler");
    expect(api.timeoutSeconds).toBe(10);
    expect(api.environment).toEqual({ SHARED: "two", QUEUE_URL: { Ref: "Work" } });
    expect(api.events).toEqual([
      { type: "httpApi", method: "POST", path: "/items/{id}" },
      { type: "http", method: "GET", path: "/legacy" },
      { type: "httpApi", method: "*", path: "*" },
    ]);
    const worker = m.functions.find((f) => f.name === "worker")!;
    expect(worker.timeoutSeconds).toBe(20);
    expect(worker.exportName).toBe("main");
    expect(worker.events.map((e) => e.type)).toEqual(["sqs", "schedule", "schedule", "s3"]);
    expect(worker.events[0]).toMatchObject({ batchSize: 5, maximumBatchingWindow: 0, maximumConcurrency: 2, functionResponseType: "ReportBatchItemFailures" });
    expect(worker.events[2]).toMatchObject({ expressions: ["cron(0 8 * * ? *)"], input: { k: 1 } });
    expect(m.warnings.some((w) => w.includes('"eventBridge" events are not run'))).toBe(true);
  });

  it("plans local resources with DLQ redrive, default names and mail rules", () => {
    const m = loadServiceFromText(serviceYaml, "/svc/serverless.yml", { stage: "test", env: {} });
    const plan = planResources(m, (name) => `http://127.0.0.1:1/000000000000/${name}`);
    const work = plan.queues.find((q) => q.logicalId === "Work")!;
    const dlq = plan.queues.find((q) => q.logicalId === "WorkDLQ")!;
    expect(work.name).toBe("demo-test-work");
    expect(dlq.name).toBe("demo-test-WorkDLQ");
    expect(work.redrive).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 });
    expect(queueAttributes(work)).toEqual({ VisibilityTimeout: "120", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }) });
    expect(creationOrder(plan.queues).map((q) => q.logicalId)).toEqual(["WorkDLQ", "Work"]);
    expect(plan.buckets.map((b) => b.name)).toEqual(["demo-test-mail"]);
    expect(plan.tables[0]!.input).toMatchObject({ TableName: "demo-test-Table", BillingMode: "PAY_PER_REQUEST" });
    expect(plan.tables[0]!.input).not.toHaveProperty("TimeToLiveSpecification");
    expect(plan.mailRules).toEqual([{ logicalId: "Rule", name: "Rule", enabled: true, recipients: ["mail.example.com"], bucket: "demo-test-mail", prefix: "inbound/" }]);
    expect(plan.skipped).toEqual(["Role (AWS::IAM::Role)"]);
    expect(plan.scope.ref("Work")).toBe("http://127.0.0.1:1/000000000000/demo-test-work");
  });

  it("reports bad events with their location", () => {
    const bad = serviceYaml.replace("batchSize: 5,", "batchSize: 50,");
    expect(() => loadServiceFromText(bad, "/svc/serverless.yml", { env: {} })).toThrow(/functions\.worker\.events\[0\]\.sqs: batchSize above 10 needs maximumBatchingWindow/);
    expect(() => loadServiceFromText("service: x\nprovider: { name: gcp }\n", "/s.yml", { env: {} })).toThrow(ServiceFileError);
    expect(() => loadServiceFromText("service: x\nprovider: { name: aws }\nfunctions:\n  f:\n    handler: nodot\n", "/s.yml", { env: {} })).toThrow(/functions\.f\.handler/);
  });
});
