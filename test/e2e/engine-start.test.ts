/**
 * `npm start` (= node bin/partner-ops.js start) on the project's own serverless.yml, as a child
 * process: prints the banner, serves the health route, and exits 0 on SIGTERM after draining.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("partner-ops start", () => {
  it("shows the banner, serves /health, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["bin/partner-ops.js", "start", "--in-memory", "--port", "0", "--smtp-port", "0"], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", POWERTOOLS_LOG_LEVEL: "WARN" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes("Ctrl-C stops polling") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stdout, stderr).toContain("partner-ops engine — partner-ops (stage local)");
    expect(stdout).toMatch(/SMTP ingress {3}127\.0\.0\.1:\d+ for invoices\.example\.com/);
    expect(stdout).toMatch(/BSS {12}(sandbox at http:\/\/127\.0\.0\.1:\d+|none)/);
    expect(stdout).toContain("(in memory: nothing survives a restart)");
    const base = /webhooks {7}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", service: "partner-ops", stage: "local" });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("SIGTERM: finishing the work in flight");
  });

  it("stops the start with the configuration message when WEBHOOK_SECRET is too short (issue 11.13)", async () => {
    const child = spawn(process.execPath, ["bin/partner-ops.js", "start", "--in-memory", "--port", "0", "--smtp-port", "0"], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", POWERTOOLS_LOG_LEVEL: "SILENT", WEBHOOK_SECRET: "s3cr3t-x9,also-long-enough-0123456789" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(stdout).not.toContain("partner-ops engine —"); // no banner: it did not start
    expect(stderr).toContain("configuration errors, the engine does not start");
    expect(stderr).toMatch(/realname-api: invalid configuration: WEBHOOK_SECRET: each comma-separated secret must be at least 16 characters/);
    expect(stderr).not.toContain("s3cr3t-x9");
  });
});
