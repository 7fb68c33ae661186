#!/usr/bin/env node
// postinstall: npm links the bins of a project's dependencies into node_modules/.bin, never the
// project's own. This writes node_modules/.bin/partner-ops, a small shell script that runs
// bin/partner-ops.js on the project's own Node (node_modules/.bin/node, from the `node`
// devDependency), so `node_modules/.bin/partner-ops …` works whatever node is first on the PATH.
// Plain JavaScript that runs on any Node npm runs on. Does nothing on Windows (use `npx partner-ops`).
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

if (process.platform !== "win32") {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const binDir = join(root, "node_modules", ".bin");
  if (existsSync(join(root, "node_modules"))) {
    mkdirSync(binDir, { recursive: true });
    const target = join(binDir, "partner-ops");
    writeFileSync(
      target,
      [
        "#!/bin/sh",
        "# Written by bin/link-local-bin.js (npm postinstall): runs partner-ops on the project's own Node.",
        'here=$(dirname "$0")',
        'if [ -x "$here/node" ]; then exec "$here/node" "$here/../../bin/partner-ops.js" "$@"; fi',
        'exec node "$here/../../bin/partner-ops.js" "$@"',
        "",
      ].join("\n"),
    );
    chmodSync(target, 0o755);
  }
}
