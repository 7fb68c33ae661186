/** `partner-ops parse-email` as a child process, on every fixture and on bad input. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../bin/partner-ops.js", import.meta.url));
const dir = fileURLToPath(new URL("../../fixtures/invoice-emails/", import.meta.url));
const internal = ["--internal-domains", "shilicloud.example,xugou-digital.example,yangli-net.example"];
const tmp = mkdtempSync(join(tmpdir(), "parse-email-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [bin, "parse-email", ...args], { input, env: { PATH: process.env["PATH"] ?? "" }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("partner-ops parse-email", () => {
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".eml")).sort()) {
    it(`${f}: prints exactly the expected schema-v1 JSON, exit 0`, () => {
      const r = run([...internal, join(dir, f)]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const expected = readFileSync(join(dir, f.replace(/\.eml$/, ".expected.json")), "utf8");
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(expected));
      expect(r.stdout.trim()).toBe(expected.trim());
    });
  }

  it("reads stdin with -, and unparseable garbage still exits 0 with a schema-v1 result", () => {
    const r = run(["-"], Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0x41]));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.schemaVersion).toBe(1);
    expect(["not-invoice", "rejected"]).toContain(out.kind);
  });

  it("a message over the size limit (from --config) is printed as rejected with the reason, exit 0", () => {
    const cfgFile = join(tmp, "small.json");
    writeFileSync(cfgFile, JSON.stringify({ maxMessageBytes: 500 }));
    const r = run(["--config", cfgFile, join(dir, "01-cn-incentive-alt-utf8-qp.eml")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "rejected", rejectReasons: ["message-too-large"] });
  });

  it("--details adds quarantine, findings, hashes and attachment metadata (never the bytes)", () => {
    const r = run([...internal, "--details", join(dir, "05-cn-incentive-pdf-attachment.eml")]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.notice.kind).toBe("invoice-notice");
    expect(out.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.attachments[0]).toMatchObject({ filename: "开票清单_SF20250612000901.pdf", contentType: "application/pdf" });
    expect(out.attachments[0].content).toBeUndefined();
  });

  it("a file that cannot be read: non-zero exit, a clear message, nothing on stdout", () => {
    const missing = run([join(tmp, "missing.eml")]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(/cannot read .*missing\.eml: no such file/);
    const isDir = run([tmp]);
    expect(isDir.code).toBe(1);
    expect(isDir.stderr).toMatch(/is a directory/);
  });

  it("usage mistakes exit 2", () => {
    expect(run([]).code).toBe(2);
    expect(run(["--bogus", "x.eml"]).code).toBe(2);
    expect(run(["--internal-domains"]).code).toBe(2);
  });
});
