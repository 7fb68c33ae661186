/**
 * Issue 15.8: no declared dependency stays unused. Each one in package.json must be imported by the
 * project's code (functions, shared, local, bin, bench, console, test, configs), or be a command the
 * npm scripts / CI run, or a serverless.yml plugin, or the types of a package that is imported.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const SOURCE_DIRS = ["functions", "shared", "local", "bin", "bench", "console", "test", "scripts"];
const SOURCE_FILES = ["vitest.config.ts"];

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n === "node_modules" || n.startsWith(".")) continue;
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs|cjs)$/.test(n)) out.push(readFileSync(p, "utf8"));
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  for (const f of SOURCE_FILES) out.push(readFileSync(join(root, f), "utf8"));
  return out;
}

/** Package names imported anywhere (static, dynamic, require, type-only). */
function importedPackages(texts: string[]): Set<string> {
  const found = new Set<string>();
  const spec = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)["']([^"'./][^"']*)["']/g;
  for (const t of texts) {
    for (const m of t.matchAll(spec)) {
      const s = m[1]!.replace(/^node:.*/, "");
      if (!s) continue;
      const parts = s.split("/");
      found.add(s.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
    }
  }
  return found;
}

function binsOf(name: string): string[] {
  try {
    const p = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { bin?: string | Record<string, string> };
    if (typeof p.bin === "string") return [name.split("/").pop()!];
    return Object.keys(p.bin ?? {});
  } catch {
    return [];
  }
}

/**
 * Declared for work landing on other branches at the time of writing (the ops console's browser
 * test; Powertools Metrics).
 * Remove a name once it is used; the test says when an entry has become unnecessary.
 */
const PENDING: Record<string, string> = {
  "playwright-core": "ops console browser test (console)",
  "@aws-lambda-powertools/metrics": "Powertools Metrics, issue 16.2 (bss-flows)",
};

describe("declared dependencies", () => {
  const imported = importedPackages(sources());
  const commands = [Object.values(pkg.scripts).join("\n"), readFileSync(join(root, ".ci/run"), "utf8")].join("\n");
  const plugins = ((parse(readFileSync(join(root, "serverless.yml"), "utf8"), { logLevel: "error" }) as { plugins?: string[] }).plugins ?? []) as string[];
  const declared = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];

  const why = (name: string): string | undefined => {
    if (imported.has(name)) return "imported";
    if (plugins.includes(name)) return "serverless.yml plugin";
    const bin = binsOf(name).find((b) => new RegExp(`(^|[\\s;&|(])${b.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`, "m").test(commands));
    if (bin) return `command \`${bin}\` in the npm scripts or .ci/run`;
    if (name.startsWith("@types/")) {
      const base = name.slice("@types/".length).replace(/^(.+)__(.+)$/, "@$1/$2");
      if (base === "node" || imported.has(base)) return `types of ${base}`;
    }
    return undefined;
  };

  it("every dependency and devDependency is used", () => {
    const unused = declared.filter((d) => why(d) === undefined && !(d in PENDING));
    expect(unused, `declared in package.json but never used: ${unused.join(", ")}`).toEqual([]);
    const stale = Object.keys(PENDING).filter((d) => !declared.includes(d) || why(d) !== undefined);
    if (stale.length) console.warn(`test/integration/build/dependencies.test.ts: PENDING no longer needed for ${stale.join(", ")}; remove them`);
  });

  it("the check itself sees an unused name as unused", () => {
    expect(imported.has("left-pad")).toBe(false);
    expect(why("left-pad")).toBeUndefined();
    expect(why("zod")).toBe("imported");
    expect(why("serverless-esbuild")).toBe("serverless.yml plugin");
    expect(why("vitest")).toBeDefined();
  });
});
