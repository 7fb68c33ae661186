#!/usr/bin/env node
// Entry point for `partner-ops` and `npm start`. npm scripts, `npx partner-ops` and
// node_modules/.bin/partner-ops run it on the project's own Node 24 (the `node` devDependency).
// Plain JavaScript on purpose: run directly (`node bin/partner-ops.js`) on an older Node, it must get
// far enough to print one clear sentence before any TypeScript module (which needs Node's type
// stripping, >= 22.18) is loaded.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `partner-ops needs Node.js 22.18 or newer; this is Node ${process.versions.node}. ` +
      "Run it through npm instead (npm install once, then npm start, npx partner-ops …): the project brings its own Node 24.\n",
  );
  process.exit(1);
}
const { main } = await import("../local/cli.ts");
process.exitCode = await main(process.argv.slice(2));
