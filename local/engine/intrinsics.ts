/**
 * Evaluates the CloudFormation intrinsics the engine needs locally (Ref, Fn::GetAtt, Fn::Sub,
 * Fn::Join, Fn::Select, Fn::Split) against the locally created resources. Pure; anything else
 * fails with an error naming the function and where it was used.
 */

export class IntrinsicError extends Error {
  override name = "IntrinsicError";
}

export interface IntrinsicScope {
  /** Value of `Ref` for a logical id (pseudo parameters are handled here). */
  ref(logicalId: string): string | undefined;
  /** Value of `Fn::GetAtt` for a logical id and attribute. */
  getAtt(logicalId: string, attribute: string): string | undefined;
  region: string;
  accountId: string;
  stackName: string;
}

const PSEUDO = (scope: IntrinsicScope): Record<string, string> => ({
  "AWS::Region": scope.region,
  "AWS::AccountId": scope.accountId,
  "AWS::StackName": scope.stackName,
  "AWS::Partition": "aws",
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::NoValue": "",
});

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"));
}

export function evaluateIntrinsics(value: unknown, scope: IntrinsicScope, where: string): unknown {
  const pseudo = PSEUDO(scope);
  const ref = (id: string): string => {
    if (Object.hasOwn(pseudo, id)) return pseudo[id]!;
    const v = scope.ref(id);
    if (v === undefined) throw new IntrinsicError(`${where}: !Ref ${id} — no local resource ${id} the engine can create (queues, buckets, tables)`);
    return v;
  };
  const getAtt = (id: string, attr: string): string => {
    const v = scope.getAtt(id, attr);
    if (v === undefined) throw new IntrinsicError(`${where}: !GetAtt ${id}.${attr} — not available locally`);
    return v;
  };
  const text = (v: unknown, what: string): string => {
    const r = walk(v);
    if (typeof r === "string") return r;
    if (typeof r === "number" || typeof r === "boolean") return String(r);
    throw new IntrinsicError(`${where}: ${what} must evaluate to text`);
  };
  const list = (v: unknown, what: string): unknown[] => {
    const r = walk(v);
    if (!Array.isArray(r)) throw new IntrinsicError(`${where}: ${what} must be a list`);
    return r;
  };
  const sub = (template: string, vars: Record<string, unknown>): string =>
    template.replace(/\$\{(!?)([^}]*)\}/g, (whole, bang: string, name: string) => {
      if (bang) return `\${${name}}`; // ${!Literal} escape
      if (Object.hasOwn(vars, name)) return text(vars[name], `Fn::Sub variable ${name}`);
      if (Object.hasOwn(pseudo, name)) return pseudo[name]!;
      const dot = name.indexOf(".");
      if (dot > 0) return getAtt(name.slice(0, dot), name.slice(dot + 1));
      if (/^[A-Za-z0-9]+$/.test(name)) return ref(name);
      throw new IntrinsicError(`${where}: cannot substitute ${whole} in Fn::Sub`);
    });

  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== "object") return v;
    if (!isIntrinsic(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    const [key, arg] = Object.entries(v)[0]!;
    switch (key) {
      case "Ref":
        if (typeof arg !== "string") throw new IntrinsicError(`${where}: Ref needs a logical id`);
        return ref(arg);
      case "Fn::GetAtt": {
        const parts = typeof arg === "string" ? arg.split(/\.(.*)/s).slice(0, 2) : (arg as unknown[]);
        if (!Array.isArray(parts) || parts.length !== 2) throw new IntrinsicError(`${where}: Fn::GetAtt needs [LogicalId, Attribute]`);
        return getAtt(text(parts[0], "Fn::GetAtt id"), text(parts[1], "Fn::GetAtt attribute"));
      }
      case "Fn::Sub": {
        if (typeof arg === "string") return sub(arg, {});
        if (Array.isArray(arg) && typeof arg[0] === "string" && arg[1] && typeof arg[1] === "object") {
          return sub(arg[0], arg[1] as Record<string, unknown>);
        }
        throw new IntrinsicError(`${where}: Fn::Sub needs a string or [string, {vars}]`);
      }
      case "Fn::Join": {
        if (!Array.isArray(arg) || arg.length !== 2) throw new IntrinsicError(`${where}: Fn::Join needs [delimiter, [values]]`);
        const delimiter = text(arg[0], "Fn::Join delimiter");
        return list(arg[1], "Fn::Join values")
          .map((x) => text(x, "Fn::Join value"))
          .join(delimiter);
      }
      case "Fn::Select": {
        if (!Array.isArray(arg) || arg.length !== 2) throw new IntrinsicError(`${where}: Fn::Select needs [index, [values]]`);
        const i = Number(text(arg[0], "Fn::Select index"));
        const items = list(arg[1], "Fn::Select values");
        if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new IntrinsicError(`${where}: Fn::Select index ${i} out of range`);
        return items[i];
      }
      case "Fn::Split": {
        if (!Array.isArray(arg) || arg.length !== 2) throw new IntrinsicError(`${where}: Fn::Split needs [delimiter, text]`);
        return text(arg[1], "Fn::Split text").split(text(arg[0], "Fn::Split delimiter"));
      }
      default:
        throw new IntrinsicError(`${where}: ${key} is not evaluated by the embedded engine (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split)`);
    }
  };
  return walk(value);
}

/** Environment variable values are text: numbers/booleans stringified, objects as JSON. */
export function toEnvValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
