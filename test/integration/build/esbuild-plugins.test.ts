/**
 * The Lambda bundles' build-time trims (local/build/esbuild-plugins.js): zod keeps its English
 * messages and loses the other languages, and a bundle built with the plugins behaves the same.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import plugins from "../../../local/build/esbuild-plugins.js";

const root = resolve(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "po-esbuild-plugins-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = `
import { z } from "zod";
export const issues = (v) => z.object({ id: z.string().min(3), n: z.number().int() }).safeParse(v).error?.issues.map((i) => i.message) ?? [];
export const localeNames = Object.keys(z.locales);
`;

async function build(withPlugins: boolean, name: string) {
  const res = await esbuild.build({
    stdin: { contents: entry, resolveDir: root, sourcefile: "entry.js", loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node24",
    outfile: join(dir, `${name}.mjs`),
    metafile: true,
    logLevel: "silent",
    plugins: withPlugins ? plugins : [],
  });
  const bytes = Object.values(res.metafile.outputs)[0]!.bytes;
  const inputs = Object.keys(res.metafile.inputs);
  const mod = (await import(pathToFileURL(join(dir, `${name}.mjs`)).href)) as { issues: (v: unknown) => string[]; localeNames: string[] };
  return { bytes, inputs, mod };
}

describe("zod-english-only", () => {
  it("drops every locale but en, keeps the same English messages, and makes the bundle much smaller", async () => {
    const [full, trimmed] = await Promise.all([build(false, "full"), build(true, "trimmed")]);
    const locales = (b: { inputs: string[] }) => b.inputs.filter((p) => /zod\/v4\/locales\/[a-z-]+\.js$/i.test(p) && !p.endsWith("index.js"));
    expect(locales(full).length).toBeGreaterThan(30);
    expect(locales(trimmed).map((p) => p.split("/").pop())).toEqual(["en.js"]);
    expect(trimmed.mod.localeNames).toEqual(["en"]);
    expect(full.mod.localeNames).toContain("zhCN");

    const bad = { id: "x", n: 1.5 };
    expect(trimmed.mod.issues(bad)).toEqual(full.mod.issues(bad));
    expect(trimmed.mod.issues(bad).join(" | ")).toMatch(/Too small: expected string to have >=3 characters.*expected int/i);
    expect(trimmed.bytes).toBeLessThan(full.bytes - 150_000);
  });
});
