/** Tiny option parser shared by the engine commands: `--name value`, `--flag`, positionals. */
import { UsageError } from "../cli.ts";

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseOptions(argv: readonly string[], spec: { values: readonly string[]; flags: readonly string[] }): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.flags.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else if (spec.values.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
      if (name === "param") {
        const at = v.indexOf("=");
        if (at <= 0) throw new UsageError("--param needs name=value");
        out.values.set(`param:${v.slice(0, at)}`, v.slice(at + 1));
      }
      else out.values.set(name, v);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

export function portOption(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`--${name} must be a port number (0–65535)`);
  return n;
}

export function paramOptions(args: ParsedArgs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of args.values) if (k.startsWith("param:")) out[k.slice(6)] = v;
  return out;
}
