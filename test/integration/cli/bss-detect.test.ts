/** Issue 15.6: the banner calls a standalone sandbox a sandbox because of what it answers, not its address. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { isSandboxEndpoint } from "../../../local/engine/engine.ts";
import { formatBanner } from "../../../local/engine/banner.ts";
import { startSandbox } from "../../../local/sandbox/index.ts";

describe("BSS sandbox detection", () => {
  it("recognises a partner-ops sandbox and not another local server on the same kind of address", async () => {
    const sb = await startSandbox({ host: "127.0.0.1", port: 0 });
    const other = createServer((_req, res) => res.writeHead(404, { "x-request-id": "sbx-00000001" }).end("{}"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    try {
      expect(await isSandboxEndpoint(sb.url)).toBe(true);
      expect(await isSandboxEndpoint(`http://127.0.0.1:${(other.address() as AddressInfo).port}`)).toBe(false);
      expect(await isSandboxEndpoint("http://127.0.0.1:1")).toBe(false); // nothing listens
      expect(await isSandboxEndpoint("(HWC_ENDPOINT not set)")).toBe(false);
    } finally {
      await sb.close();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it("the banner says sandbox for a standalone one", () => {
    const text = formatBanner({
      service: "s", stage: "local", serviceFile: "f", dataDir: undefined, http: undefined, routes: [], smtp: undefined, queues: [], schedules: [], s3: [],
      bss: { mode: "sandbox", url: "http://127.0.0.1:9999", standalone: true }, aws: { sqsS3: "x", dynamodb: "y" }, functions: [], warnings: [],
    });
    expect(text).toMatch(/BSS {12}sandbox at http:\/\/127\.0\.0\.1:9999 \(a partner-ops sandbox named by HWC_ENDPOINT\)/);
    expect(text).not.toContain("REAL");
  });
});
