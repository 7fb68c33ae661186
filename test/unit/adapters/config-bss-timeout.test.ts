/** HWC_TIMEOUT_MS: the BSS per-attempt timeout knob (unset = the client's 10 s default). */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/config/index.ts";

describe("HWC_TIMEOUT_MS", () => {
  it("is optional and parsed as a positive integer of milliseconds", () => {
    expect(loadConfig({}).HWC_TIMEOUT_MS).toBeUndefined();
    expect(loadConfig({ HWC_TIMEOUT_MS: "1500" }).HWC_TIMEOUT_MS).toBe(1500);
  });

  it("refuses zero, fractions, text and values over two minutes, naming the variable", () => {
    for (const v of ["0", "1.5", "soon", "120001"]) {
      let err: unknown;
      try {
        loadConfig({ HWC_TIMEOUT_MS: v });
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable)).toEqual(["HWC_TIMEOUT_MS"]);
    }
  });
});
