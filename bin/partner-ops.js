#!/usr/bin/env node
// Entry point for `partner-ops` and `npm start`. Plain JavaScript on purpose: it must run on any
// Node version far enough to print one clear sentence when the version is too old, before any
// TypeScript module (which needs Node's type stripping, >= 22.18) is loaded.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `partner-ops needs Node.js 22.18 or newer (Node 24 recommended); this is Node ${process.versions.node}. ` +
      "Install Node 24, or run: npm install --prefix ~/.node24 node@24 && export PATH=~/.node24/node_modules/.bin:$PATH\n",
  );
  process.exit(1);
}
const { main } = await import("../local/cli.ts");
process.exitCode = await main(process.argv.slice(2));
