/**
 * `partner-ops demo` end to end, in process: against an engine running on a data directory (found
 * through engine.json, its own BSS sandbox), and the fallback that starts a temporary engine when
 * none runs. The printed report must show the invoice notice and the application's final state.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command } from "../../local/commands/demo.ts";
import { SAMPLE_COMPANY, SAMPLE_CREDIT_CODE, SAMPLE_LEGAL_ID, SAMPLE_LEGAL_PERSON, type DemoReport } from "../../local/commands/demo-samples.ts";
import { readRuntimeInfo, startEngine, type Engine } from "../../local/engine/engine.ts";
import { capturedIO, queueName, tmpDataDir } from "./helpers/fixture.ts";

async function runDemo(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = await capturedIO(env);
  const code = await command.run(argv, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

function expectNothingPersonal(text: string): void {
  for (const [kind, value] of [["credit code", SAMPLE_CREDIT_CODE], ["ID number", SAMPLE_LEGAL_ID], ["company name", SAMPLE_COMPANY], ["legal person", SAMPLE_LEGAL_PERSON]] as const) {
    expect(text.includes(value), `demo output shows the ${kind}`).toBe(false);
  }
}

describe("demo against the engine npm start runs on a data directory", () => {
  const dataDir = tmpDataDir("demo");
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({
      dataDir,
      httpPort: 0,
      smtpPort: 0,
      pollWaitSeconds: 0,
      pollIdleMs: 20,
      sandbox: "on", // the engine's own sandbox, as with npm start
      logLevel: "SILENT",
      env: {},
      params: { realnamePollSeconds: "0", renewalSchedule: "rate(1 day)", renewalDigestSchedule: "rate(1 day)" },
    });
  }, 30_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("records its SMTP and sandbox addresses in engine.json", () => {
    const info = readRuntimeInfo(dataDir)!;
    expect(info.smtp).toEqual(engine.urls.smtp);
    expect(info.sandbox).toBe(engine.urls.sandbox);
  });

  it("prints the invoice notice (fields, storage, event) and the application's states up to approved", async () => {
    const r = await runDemo(["--data-dir", dataDir, "--timeout", "30"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`using the engine running on ${dataDir}`);
    expect(r.stdout).toContain("engine running on");
    expect(r.stdout).toMatch(/result +invoice-notice \(notice [0-9a-f]{32}\)/);
    expect(r.stdout).toMatch(/applicationNo +SF20250612000901/);
    expect(r.stdout).toMatch(/attachment +\S+\/notices\/[0-9a-f]{32}\/attachments\/01-.*\.pdf \(\d+ bytes\)/);
    expect(r.stdout).toMatch(/event +invoice\.notice\.received invoice\.notice\.received:[0-9a-f]{32} on \S*InvoiceEventsQueue\S* \(left on the queue for its consumer\)/);
    expect(r.stdout).toMatch(/state +under_review/);
    expect(r.stdout).toMatch(/final +approved/);
    expect(r.stdout.match(/object +partner-realname-attachments\/download\/partner-ops\/[0-9a-f-]{36}\/0\d-/g)).toHaveLength(3);
    expectNothingPersonal(r.stdout + r.stderr);
    // The event is still on the queue for its consumer.
    const q = engine.fauxqs.inspectQueue(queueName(engine, "InvoiceEventsQueue"));
    expect(q?.messages.ready.some((m) => m.body.includes("invoice.notice.received"))).toBe(true);
  }, 60_000);

  it("--json: a second run reports the mail as a duplicate and another customer's application", async () => {
    const r = await runDemo(["--data-dir", dataDir, "--json", "--timeout", "30"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DemoReport;
    expect(report.engine.kind).toBe("running");
    expect(report.invoice.outcome).toMatchObject({ kind: "invoice-notice", rejectReasons: [] });
    expect(report.invoice.outcome!.duplicateOf).toMatch(/^inbound\//);
    expect(report.realname.final).toBe("approved");
    expect(report.realname.states.map((s) => s.status)).toEqual(expect.arrayContaining(["awaiting_uploads", "validated", "under_review", "approved"]));
    expect(report.realname.objectKeys).toHaveLength(3);
    expectNothingPersonal(r.stdout);
  }, 60_000);

  it("names what did not arrive when the timeout is too short, exit code 1", async () => {
    const r = await runDemo(["--data-dir", dataDir, "--timeout", "0.3"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/demo: no (outcome for inbound\/\S+ within the timeout|review result within the timeout \(still \w+\))/);
    expect(r.stdout).toMatch(/✗ no /);
  }, 60_000);
});

describe("demo without a running engine", () => {
  it("starts a temporary in-memory engine with the sandbox, says so, and reports the same results", async () => {
    const empty = tmpDataDir("demo-none");
    const r = await runDemo(["--data-dir", empty, "--timeout", "30"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`no engine is running on ${empty}: starting a temporary in-memory engine`);
    expect(r.stdout).toContain("temporary in-memory engine");
    expect(r.stdout).toMatch(/result +invoice-notice/);
    expect(r.stdout).toMatch(/event +invoice\.notice\.received \S+ on \S+ \(peeked\)/);
    expect(r.stdout).toMatch(/final +approved/);
    expectNothingPersonal(r.stdout + r.stderr);
  }, 60_000);

  it("rejects bad options with a usage error", async () => {
    await expect(runDemo(["--timeout", "0"])).rejects.toThrow(/--timeout/);
    await expect(runDemo(["--in-memory", "--data-dir", "x"])).rejects.toThrow(/not both/);
    await expect(runDemo(["--customer", "bad id!"])).rejects.toThrow(/--customer/);
  });
});
