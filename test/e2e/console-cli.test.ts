/** `partner-ops console` as a child process against an engine running on a data directory (engine.json). */
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngine, type Engine } from "../../local/engine/engine.ts";
import { tmpDataDir } from "./helpers/fixture.ts";

const bin = fileURLToPath(new URL("../../bin/partner-ops.js", import.meta.url));
const env = { PATH: process.env["PATH"] ?? "" };

describe("partner-ops console", () => {
  const dataDir = tmpDataDir("console-cli");
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({ dataDir, httpPort: 0, smtpPort: 0, pollWaitSeconds: 0, pollIdleMs: 20, sandbox: "on", logLevel: "SILENT", env: {}, params: { renewalSchedule: "rate(1 day)", renewalDigestSchedule: "rate(1 day)" } });
  }, 30_000);
  afterAll(async () => {
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("refuses a bad stage name and says so when no engine runs on the data directory", () => {
    const bad = spawnSync(process.execPath, [bin, "console", "--stage", "pr/od"], { env, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--stage must be letters, digits and dashes");
    const none = spawnSync(process.execPath, [bin, "console", "--data-dir", `${dataDir}-missing`, "--port", "0"], { env, encoding: "utf8" });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("no engine is running on");
  });

  it("serves the running engine's queues read-only on 127.0.0.1", async () => {
    const child = spawn(process.execPath, [bin, "console", "--data-dir", dataDir, "--port", "0"], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /partner-ops console: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`console exited ${code}`)));
      });
      const page = await (await fetch(`${url}/queues`)).text();
      expect(page).toContain("RenewalNotifyDLQ");
      expect(page).toContain("read-only");
      expect(page).not.toContain('method="post"');
      const post = await fetch(`${url}/actions/queues/RenewalNotifyDLQ/replay`, { method: "POST", headers: { origin: url, "content-type": "application/x-www-form-urlencoded" }, body: "confirm=yes" });
      expect(post.status).toBe(403);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
