/** Issue 15.6: `partner-ops --version`. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../../local/cli.ts";
import { capturedIO } from "../../e2e/helpers/fixture.ts";

describe("partner-ops --version", () => {
  it("prints the package version and the Node it runs on, exit 0", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const c = await capturedIO();
      expect(await main([flag], c.io)).toBe(0);
      expect(c.stdout()).toBe(`partner-ops ${pkg.version} (node ${process.versions.node})\n`);
    }
  });
});
