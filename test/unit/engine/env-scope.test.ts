import { afterAll, describe, expect, it } from "vitest";
import { installEnvScope, runWithEnv, type FunctionEnv } from "../../../local/engine/env-scope.ts";

const uninstall = installEnvScope();
afterAll(() => uninstall());

describe("per-function process.env", () => {
  it("isolates functions across awaits and timers, masks shell configuration, keeps writes local", async () => {
    process.env["PO_TEST_SHELL"] = "shell";
    process.env["HWC_AK"] = "from-the-shell";
    const masked = (k: string) => k.startsWith("HWC_");
    const a: FunctionEnv = { vars: { NAME: "a" }, masked };
    const b: FunctionEnv = { vars: { NAME: "b", HWC_AK: "sandbox-ak" }, masked };
    const seen: string[] = [];
    await Promise.all([
      runWithEnv(a, async () => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(`a:${process.env["NAME"]}:${process.env["HWC_AK"]}:${process.env["PO_TEST_SHELL"]}`);
        process.env["WRITTEN"] = "by-a";
        expect("HWC_AK" in process.env).toBe(false);
        expect(Object.keys(process.env)).toContain("NAME");
        expect(Object.keys(process.env)).not.toContain("HWC_AK");
      }),
      runWithEnv(b, async () => {
        await new Promise((r) => setImmediate(r));
        seen.push(`b:${process.env["NAME"]}:${process.env["HWC_AK"]}:${process.env["PO_TEST_SHELL"]}`);
        expect({ ...process.env }["HWC_AK"]).toBe("sandbox-ak");
      }),
    ]);
    expect(seen.sort()).toEqual(["a:a:undefined:shell", "b:b:sandbox-ak:shell"]);
    expect(a.vars["WRITTEN"]).toBe("by-a");
    expect(process.env["WRITTEN"]).toBeUndefined();
    expect(process.env["NAME"]).toBeUndefined();
    expect(process.env["HWC_AK"]).toBe("from-the-shell");
    delete process.env["PO_TEST_SHELL"];
    delete process.env["HWC_AK"];
  });
});
