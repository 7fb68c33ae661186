/**
 * serverless plugin (serverless.yml `plugins: - ./local/build/ops-plugin.js`) for operating on AWS
 * (issue 16.1–16.3). Plain JavaScript: osls loads local plugins with require()/import().
 *
 * 1. Deploy guard: `serverless package` / `deploy` for any stage but `local` and `check` stops with ONE
 *    message listing every param still at its example value (placeholderParams). `check` is the stage
 *    `npm run package` builds: a package-only check build, which may never be deployed.
 * 2. Alarms: after serverless.yml's resources are merged, every dead-letter queue (a queue another
 *    queue's RedrivePolicy points at) gets an alarm on any visible message, every work queue one on
 *    the age of its oldest message, every function one on Errors — all to the AlarmTopic SNS topic
 *    (its e-mail subscription is the `alarmEmail` param). Generated from the compiled template, so a
 *    new function or queue gets its alarms without anyone remembering to add them.
 * 3. Dashboard: one CloudWatch dashboard over the Powertools (EMF) metrics of shared/metrics and the
 *    queues/functions above.
 */

/** Params whose example value must be replaced before a real deploy, and how to tell. */
export const PLACEHOLDERS = [
  { name: "mailDomain", why: "an example.com domain", test: (v) => /(^|\.)example\.(com|org|net)$/i.test(v) },
  { name: "hwcXaccountType", why: "empty (the partner platform id Huawei assigned)", test: (v) => v.trim() === "" },
  { name: "secretsExtensionLayerArn", why: "the unconfirmed example layer ARN", test: (v) => v === EXAMPLE_LAYER_ARN || v.trim() === "" },
  { name: "renewalEmailFrom", why: "an example.com address", test: (v) => /@example\.(com|org|net)$/i.test(v) },
  { name: "sesIdentity", why: "an example.com identity", test: (v) => /(^|[.@])example\.(com|org|net)$/i.test(v) },
  { name: "obsBucket", why: "the example bucket name", test: (v) => v === "partner-realname-attachments" || v.trim() === "" },
  { name: "alarmEmail", why: "an example.com address (nobody would be told)", test: (v) => v.trim() === "" || /@example\.(com|org|net)$/i.test(v) },
];

/** The example layer ARN serverless.yml ships (params.default.secretsExtensionLayerArn). */
export const EXAMPLE_LAYER_ARN = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:2";

/** Stages the guard does not apply to: the embedded engine's, and the package-only check build. */
export const UNGUARDED_STAGES = ["local", "check"];

/**
 * Params still at an example value for `stage`. Effective value = `--param name=value` on the command
 * line, else params.<stage>.name, else params.default.name. Pure.
 * @param {{ params: Record<string, Record<string, unknown> | undefined> | undefined, stage: string, cliParams?: string[] | string | undefined }} input
 * @returns {{ name: string, value: string, why: string }[]}
 */
export function placeholderParams(input) {
  const params = input.params ?? {};
  const cli = {};
  for (const p of [input.cliParams ?? []].flat()) {
    const i = String(p).indexOf("=");
    if (i > 0) cli[String(p).slice(0, i)] = String(p).slice(i + 1);
  }
  const out = [];
  for (const ph of PLACEHOLDERS) {
    const raw = ph.name in cli ? cli[ph.name] : (params[input.stage]?.[ph.name] ?? params["default"]?.[ph.name]);
    const value = raw === undefined || raw === null ? "" : String(raw);
    if (ph.test(value)) out.push({ name: ph.name, value, why: ph.why });
  }
  return out;
}

/** The single message the guard stops with. */
export function placeholderMessage(stage, found) {
  const lines = found.map((f) => `  - ${f.name} = ${JSON.stringify(f.value)}: ${f.why}`);
  return [
    `Stage "${stage}" still uses example values for ${found.length} param(s):`,
    ...lines,
    `Set them under params.${stage} in serverless.yml or pass --param="name=value" (README "Deploying").`,
    `To only check that the service packages, run \`npm run package\` (stage "check", never deployed).`,
  ].join("\n");
}

/** Alarm and dashboard resources for a compiled template. Pure. */
export function operationsResources(resources, options = {}) {
  const topic = options.topicLogicalId ?? "AlarmTopic";
  const ageSeconds = options.queueAgeSeconds ?? 3600;
  const region = options.region ?? "us-east-1";
  const namespace = options.namespace ?? "PartnerOps";
  const out = {};
  const queues = Object.entries(resources).filter(([, r]) => r.Type === "AWS::SQS::Queue");
  const dlqs = new Set();
  for (const [, q] of queues) {
    const target = q.Properties?.RedrivePolicy?.deadLetterTargetArn;
    const id = target && typeof target === "object" ? (target["Fn::GetAtt"]?.[0] ?? target.Ref) : undefined;
    if (id) dlqs.add(id);
  }
  const alarm = (description, namespaceName, metric, dimensions, statistic, period, threshold, comparison) => ({
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmDescription: description,
      Namespace: namespaceName,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: comparison,
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    },
  });
  for (const [id] of queues) {
    const dims = [{ Name: "QueueName", Value: { "Fn::GetAtt": [id, "QueueName"] } }];
    if (dlqs.has(id)) {
      out[`${id}MessagesAlarm`] = alarm(`partner-ops: a message reached the dead-letter queue ${id} (replay: README "Operations")`, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, "Maximum", 60, 0, "GreaterThanThreshold");
    } else {
      out[`${id}AgeAlarm`] = alarm(`partner-ops: the oldest message on ${id} is older than ${ageSeconds} s (consumer stuck or failing)`, "AWS/SQS", "ApproximateAgeOfOldestMessage", dims, "Maximum", 300, ageSeconds, "GreaterThanThreshold");
    }
  }
  const functions = Object.entries(resources).filter(([, r]) => r.Type === "AWS::Lambda::Function");
  for (const [id] of functions) {
    out[`${id}ErrorsAlarm`] = alarm(`partner-ops: function ${id} reported errors`, "AWS/Lambda", "Errors", [{ Name: "FunctionName", Value: { Ref: id } }], "Sum", 300, 0, "GreaterThanThreshold");
  }
  out["OperationsDashboard"] = {
    Type: "AWS::CloudWatch::Dashboard",
    Properties: {
      DashboardName: options.dashboardName ?? "partner-ops",
      DashboardBody: JSON.stringify(dashboardBody(namespace, region, dlqs)),
    },
  };
  return out;
}

/** Metric widgets: SEARCH over the EMF namespace (dimension values vary), and the AWS metrics of each queue/function. */
function dashboardBody(namespace, region, dlqs) {
  const search = (title, expr, stat = "Sum") => ({
    type: "metric",
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 3600, view: "timeSeries", metrics: [[{ expression: `SEARCH('${expr}', '${stat}', 3600)`, id: `e${Math.abs(hash(title))}` }]] },
  });
  const ns = (dims, names) => `{${[namespace, "service", ...dims].join(",")}} MetricName=(${names.map((n) => `"${n}"`).join(" OR ")})`;
  const widgets = [
    search("Reminders due / sent / failed per channel", ns(["channel"], ["RemindersDue", "RemindersSent", "RemindersFailed"])),
    search("Invoice notices by kind", ns(["kind"], ["Notices"])),
    search("Real-name applications by state", ns(["state"], ["Applications"])),
    search("BSS calls / retries / throttles per operation", ns(["operation"], ["BssCalls", "BssRetries", "BssThrottles"])),
    search("Records skipped in a renewal scan", ns([], ["RecordsSkipped"])),
    search("Dead-letter queues: visible messages", `{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" QueueName=(${[...dlqs].map((d) => `"${d}"`).join(" OR ") || '"none"'})`, "Maximum"),
    search("Work queues: age of the oldest message (s)", `{AWS/SQS,QueueName} MetricName="ApproximateAgeOfOldestMessage"`, "Maximum"),
    search("Function errors", `{AWS/Lambda,FunctionName} MetricName="Errors"`),
  ];
  return { widgets };
}

function hash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

export default class OpsPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options ?? {};
    const guard = () => this.guard();
    this.hooks = {
      "before:package:initialize": guard,
      "before:deploy:deploy": () => {
        if (this.stage() === "check") throw this.error('Stage "check" is a package-only check build (npm run package); deploy a named stage, e.g. --stage prod.');
        guard();
      },
      "after:aws:package:finalize:mergeCustomProviderResources": () => this.addOperationsResources(),
    };
  }

  stage() {
    return String(this.options.stage ?? this.serverless.service?.provider?.stage ?? "dev");
  }

  error(message) {
    const E = this.serverless.classes?.Error ?? Error;
    return new E(message);
  }

  guard() {
    const stage = this.stage();
    if (UNGUARDED_STAGES.includes(stage)) return;
    const found = placeholderParams({ params: this.serverless.configurationInput?.params, stage, cliParams: this.options.param });
    if (found.length > 0) throw this.error(placeholderMessage(stage, found));
  }

  addOperationsResources() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const generated = operationsResources(template.Resources, {
      region: this.serverless.service.provider.region,
      dashboardName: `partner-ops-${this.stage()}`,
    });
    for (const [id, r] of Object.entries(generated)) if (!(id in template.Resources)) template.Resources[id] = r;
  }
}
