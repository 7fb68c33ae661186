/**
 * Bench helpers whose correctness the issue-17 figures rest on:
 * - lambdaHeapFlags reproduces the arithmetic of the Lambda Node.js runtime bootstrap
 *   (new_space = memory / 10, semi space = new_space / 2, old space = memory - new_space, integers);
 *   the expected values are worked out by hand from that script, not from the function;
 * - the cold-start floor of a function bundles the same AWS SDK client packages as the function and
 *   none of our code, so "ours / floor" is what our code adds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle, esbuildOptionsOf, floorSource, sdkClientsOf } from "../../../bench/bundle.ts";
import { lambdaHeapFlags } from "../../../bench/lib.ts";
import { loadService } from "../../../local/engine/service.ts";

const root = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "po-bench-floor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lambdaHeapFlags", () => {
  it("matches the runtime bootstrap's arithmetic", () => {
    expect(lambdaHeapFlags(128)).toEqual(["--max-semi-space-size=6", "--max-old-space-size=116"]);
    expect(lambdaHeapFlags(256)).toEqual(["--max-semi-space-size=12", "--max-old-space-size=231"]);
    expect(lambdaHeapFlags(512)).toEqual(["--max-semi-space-size=25", "--max-old-space-size=461"]);
    expect(lambdaHeapFlags(1769)).toEqual(["--max-semi-space-size=88", "--max-old-space-size=1593"]);
  });
});

describe("cold-start floor", () => {
  it("bundles exactly the function's AWS SDK clients and none of our code", async () => {
    const model = loadService(join(root, "serverless.yml"), { stage: "prod", params: { hwcXaccountType: "test_platform" } });
    const fn = model.functions.find((f) => f.name === "renewal-scan")!;
    const options = esbuildOptionsOf(model);
    const ours = await buildBundle(fn.handlerFile, join(dir, "ours"), options, false);
    const clients = sdkClientsOf(ours);
    expect(clients).toEqual(expect.arrayContaining(["client-dynamodb", "client-sqs"]));
    const floor = await buildBundle({ source: floorSource(clients, fn.exportName) }, join(dir, "floor"), options, false);
    expect(sdkClientsOf(floor)).toEqual(clients);
    const ourCode = Object.entries(floor.inputs).filter(([p, n]) => n > 0 && /^(shared|functions)\//.test(p));
    expect(ourCode).toEqual([]);
    expect(Object.keys(ours.inputs).some((p) => p.startsWith("shared/"))).toBe(true);
  });
});
