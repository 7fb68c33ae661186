/**
 * esbuild plugins for the Lambda bundles (serverless.yml `custom.esbuild.plugins`; bench/bundle.ts
 * builds with the same list). Plain JavaScript: serverless-esbuild loads this file with require().
 *
 * zod-english-only: `import { z } from "zod"` keeps zod's `locales` namespace, i.e. the error
 * messages of ~50 languages (~258 KB minified in every bundle). partner-ops only uses the default
 * English messages (zod configures `en` itself), so the bundle gets an index with `en` alone.
 */
import { dirname } from "node:path";

/** @type {import("esbuild").Plugin} */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

export default [zodEnglishOnly];
