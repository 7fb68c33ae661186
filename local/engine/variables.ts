/**
 * Resolves the Serverless Framework variables the project uses in serverless.yml. Pure.
 *
 * Supported:  ${self:path.to.value}  ${sls:stage}  ${opt:stage}  ${opt:region}  ${env:NAME}
 *             ${param:name}   with fallbacks:  ${env:X, 'text'}  ${env:X, 42}  ${env:X, true}
 *             ${env:X, ${self:custom.y}}  (fallbacks may nest).
 * A string that is exactly one variable takes the variable's value (object, number, …); otherwise
 * values are concatenated as text. `${AWS::Region}`, `${Resource.Arn}` and other placeholders without
 * a `source:` prefix belong to CloudFormation's Fn::Sub and are left untouched, as osls does.
 * Any other source (ssm:, cf:, s3:, file(), aws:, …) is refused with a clear error.
 */

export class VariableError extends Error {
  override name = "VariableError";
}

export interface VariableContext {
  stage: string;
  region: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `--param name=value` overrides (win over the file's params). */
  params?: Readonly<Record<string, string>>;
  /** CLI options for ${opt:...}. */
  options?: Readonly<Record<string, string | undefined>>;
}

const SUPPORTED = ["self", "sls", "opt", "env", "param"] as const;
type Source = (typeof SUPPORTED)[number];

interface Expr {
  raw: string;
  source: Source;
  address: string;
  fallbacks: string[];
}

/** Finds `${...}` spans (with nesting) in a string: [start, end) of each outermost span. */
function spans(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("${", i);
    if (start < 0) break;
    let depth = 0;
    let j = start;
    let quote: string | undefined;
    for (; j < text.length; j++) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = undefined;
        continue;
      }
      if ((c === "'" || c === '"') && depth > 0 && isInFallback(text, start, j)) {
        quote = c;
        continue;
      }
      if (c === "$" && text[j + 1] === "{") {
        depth++;
        j++;
      } else if (c === "}") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) throw new VariableError(`unterminated variable in "${text}"`);
    out.push([start, j + 1]);
    i = j + 1;
  }
  return out;
}

/** Quotes only delimit text after the first comma of a variable (the fallback part). */
function isInFallback(text: string, start: number, pos: number): boolean {
  return text.slice(start, pos).includes(",");
}

function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let cur = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if ((c === "'" || c === '"') && parts.length > 0) quote = c;
    if (c === "$" && inner[i + 1] === "{") depth++;
    if (c === "}") depth--;
    if (c === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

/** Parses the inside of `${...}`; undefined when it is not a Serverless variable (e.g. Fn::Sub's ${AWS::Region}). */
export function parseVariable(raw: string): Expr | undefined {
  const inner = raw.slice(2, -1);
  const m = /^([A-Za-z][\w-]*)(\(|:(?!:))/.exec(inner.trimStart());
  if (!m) return undefined;
  const source = m[1]!;
  if (!(SUPPORTED as readonly string[]).includes(source) || m[2] === "(") {
    throw new VariableError(
      `${raw}: the "${source}" variable source is not supported by the embedded engine (supported: ${SUPPORTED.map((s) => `\${${s}:…}`).join(" ")})`,
    );
  }
  const [head, ...fallbacks] = splitTopLevel(inner);
  const address = head!.trimStart().slice(source.length + 1).trim();
  return { raw, source: source as Source, address, fallbacks };
}

function getPath(doc: unknown, path: string[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function toText(value: unknown, raw: string, where: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new VariableError(`${where}: ${raw} resolves to a ${value === null ? "null" : typeof value} and cannot be embedded in text`);
}

/**
 * Returns a deep copy of `doc` with every supported variable resolved. `where` in errors is the
 * dotted path of the value being resolved.
 */
export function resolveVariables(doc: unknown, ctx: VariableContext): unknown {
  const selfStack: string[] = [];

  const paramValue = (name: string, where: string): { found: boolean; value?: unknown } => {
    if (ctx.params && Object.hasOwn(ctx.params, name)) return { found: true, value: ctx.params[name] };
    const params = getPath(doc, ["params"]) as Record<string, Record<string, unknown> | undefined> | undefined;
    for (const bucket of [ctx.stage, "default"]) {
      const group = params?.[bucket];
      if (group && Object.hasOwn(group, name)) return { found: true, value: resolveAt(["params", bucket, name], where) };
    }
    return { found: false };
  };

  const resolveAt = (path: string[], where: string): unknown => {
    const key = path.join(".");
    if (selfStack.includes(key)) throw new VariableError(`${where}: circular reference through \${self:${key}}`);
    selfStack.push(key);
    try {
      return walk(getPath(doc, path), key);
    } finally {
      selfStack.pop();
    }
  };

  const lookup = (e: Expr, where: string): unknown => {
    switch (e.source) {
      case "self":
        return e.address === "" ? walk(doc, "") : resolveAt(e.address.split("."), where);
      case "sls":
        if (e.address === "stage") return ctx.stage;
        throw new VariableError(`${where}: \${sls:${e.address}} is not supported (only \${sls:stage})`);
      case "opt":
        if (e.address === "stage") return ctx.options?.["stage"] ?? ctx.stage;
        if (e.address === "region") return ctx.options?.["region"] ?? ctx.region;
        return ctx.options?.[e.address];
      case "env":
        return ctx.env[e.address];
      case "param": {
        const p = paramValue(e.address, where);
        return p.found ? p.value : undefined;
      }
    }
  };

  const evaluate = (e: Expr, where: string): unknown => {
    const value = lookup(e, where);
    if (value !== undefined && value !== null) return value;
    for (const fb of e.fallbacks) {
      const v = literal(fb, where);
      if (v !== undefined && v !== null) return v;
    }
    if (e.fallbacks.length > 0) return e.fallbacks.some((f) => f === "null") ? null : undefined;
    const why =
      e.source === "env"
        ? `environment variable ${e.address} is not set`
        : e.source === "param"
          ? `no param "${e.address}" for stage "${ctx.stage}" (nor in params.default, nor --param)`
          : e.source === "self"
            ? `nothing at ${e.address}`
            : `no value`;
    throw new VariableError(`${where || "(root)"}: cannot resolve ${e.raw}: ${why}; add a fallback like \${${e.source}:${e.address}, 'value'}`);
  };

  const literal = (fb: string, where: string): unknown => {
    const quoted = /^(['"])([\s\S]*)\1$/.exec(fb);
    if (quoted) return quoted[2];
    if (/^-?\d+(\.\d+)?$/.test(fb)) return Number(fb);
    if (fb === "true" || fb === "false") return fb === "true";
    if (fb === "null") return null;
    if (fb.startsWith("${") && fb.endsWith("}")) return resolveString(fb, where);
    throw new VariableError(`${where}: fallback ${fb} must be a quoted string, a number, true/false, null or another \${…} variable`);
  };

  const resolveString = (text: string, where: string): unknown => {
    if (!text.includes("${")) return text;
    const found = spans(text);
    // A lone variable keeps its type.
    if (found.length === 1 && found[0]![0] === 0 && found[0]![1] === text.length) {
      const e = parseVariable(text);
      if (!e) return text;
      const v = evaluate(e, where);
      return typeof v === "string" ? resolveString(v, where) : walk(v, where);
    }
    let out = "";
    let last = 0;
    for (const [s, t] of found) {
      out += text.slice(last, s);
      const raw = text.slice(s, t);
      const e = parseVariable(raw);
      if (!e) {
        out += raw;
      } else {
        const v = evaluate(e, where);
        out += v === undefined || v === null ? "" : toText(typeof v === "string" ? resolveString(v, where) : v, raw, where);
      }
      last = t;
    }
    return out + text.slice(last);
  };

  const walk = (value: unknown, where: string): unknown => {
    if (typeof value === "string") return resolveString(value, where);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${where}[${i}]`));
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, where ? `${where}.${k}` : k);
      return out;
    }
    return value;
  };

  return walk(doc, "");
}
