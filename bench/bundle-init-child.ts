/**
 * Child process for bench/bundle.ts: one cold `await import()` of one function bundle in a fresh
 * node process (the module's top-level init — config validation, client construction — runs during
 * the import). argv: <bundle file> <handler export name>. Prints one JSON line:
 * { "ms": <import+init wall-clock ms>, "cpuMs": <user+system CPU ms of the same span>, "handler": <typeof the export> }.
 */
import { pathToFileURL } from "node:url";

const [file, exportName] = process.argv.slice(2);
if (!file || !exportName) throw new Error("usage: bundle-init-child.ts <bundle.mjs> <exportName>");
const url = pathToFileURL(file).href;
const cpu = process.cpuUsage();
const started = performance.now();
const mod = (await import(url)) as Record<string, unknown>;
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpuMs, handler: typeof mod[exportName] }) + "\n");
