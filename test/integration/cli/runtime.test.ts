/**
 * Issue 15.1: the project brings its own Node 24 (the `node` devDependency) and every npm script runs
 * on it whatever node the machine has — including `npm test` itself, which is what runs this file.
 */
import { spawnSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const ownNode = realpathSync(resolve(root, "node_modules/.bin/node"));

describe("the project's own Node", () => {
  it("runs this suite: under npm, the node executing vitest is node_modules/.bin/node, version 24", () => {
    expect(Number(process.versions.node.split(".")[0])).toBe(24);
    if (process.env["npm_lifecycle_event"]) expect(realpathSync(process.execPath)).toBe(ownNode);
  });

  it("node bin/partner-ops.js on an old Node says so in one sentence and points to npm", () => {
    // Stand in for an old Node: the check reads process.versions, so fake it in a preload.
    const r = spawnSync(ownNode, ["--import", "data:text/javascript,Object.defineProperty(process.versions,'node',{value:'20.20.2'})", "bin/partner-ops.js", "start"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("needs Node.js 22.18 or newer; this is Node 20.20.2");
    expect(r.stderr).toContain("npx partner-ops");
  });

  it("node_modules/.bin/partner-ops (written at postinstall) runs on the project's Node, even with an old node first on the PATH", () => {
    const r = spawnSync(resolve(root, "node_modules/.bin/partner-ops"), ["--help"], { cwd: root, encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("partner-ops — automation for a Huawei Cloud partner's back office");
  });
});
