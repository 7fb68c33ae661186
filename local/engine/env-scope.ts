/**
 * Per-function environment variables inside one Node process.
 *
 * Every function of serverless.yml has its own environment (in Lambda, its own process). The engine
 * runs them all in one process, so `process.env` is replaced by a proxy that answers from the
 * environment of the function whose code is running (tracked with AsyncLocalStorage across awaits,
 * timers and module loading), and from the real environment otherwise. Writes made by a function
 * stay in that function's environment, as they would in its own Lambda instance.
 *
 * Keys matching `masked` that a function does not define read as unset, so configuration from the
 * developer's shell (AWS_PROFILE, HWC_*, …) never leaks into a function by accident.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface FunctionEnv {
  vars: Record<string, string>;
  masked: (key: string) => boolean;
}

const als = new AsyncLocalStorage<FunctionEnv>();
let installs = 0;
let realEnv: NodeJS.ProcessEnv | undefined;

function makeProxy(target: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = (s: FunctionEnv, k: string | symbol): k is string => typeof k === "string" && Object.hasOwn(s.vars, k);
  const hidden = (s: FunctionEnv, k: string | symbol) => typeof k === "string" && !Object.hasOwn(s.vars, k) && s.masked(k);
  return new Proxy(target, {
    get(t, k) {
      const s = als.getStore();
      if (s) {
        if (own(s, k)) return s.vars[k];
        if (hidden(s, k)) return undefined;
      }
      return Reflect.get(t, k);
    },
    set(t, k, v) {
      const s = als.getStore();
      if (s && typeof k === "string") {
        s.vars[k] = String(v);
        return true;
      }
      return Reflect.set(t, k, v);
    },
    deleteProperty(t, k) {
      const s = als.getStore();
      if (s && typeof k === "string") {
        delete s.vars[k];
        if (Reflect.has(t, k)) s.vars[k] = ""; // cannot delete from the shared env: shadow it as empty
        return true;
      }
      return Reflect.deleteProperty(t, k);
    },
    has(t, k) {
      const s = als.getStore();
      if (s) {
        if (own(s, k)) return true;
        if (hidden(s, k)) return false;
      }
      return Reflect.has(t, k);
    },
    ownKeys(t) {
      const s = als.getStore();
      if (!s) return Reflect.ownKeys(t);
      const base = Reflect.ownKeys(t).filter((k) => !hidden(s, k));
      return [...new Set([...base, ...Object.keys(s.vars)])];
    },
    getOwnPropertyDescriptor(t, k) {
      const s = als.getStore();
      if (s) {
        if (own(s, k)) return { value: s.vars[k], writable: true, enumerable: true, configurable: true };
        if (hidden(s, k)) return undefined;
      }
      return Reflect.getOwnPropertyDescriptor(t, k);
    },
  });
}

/** Installs the proxy (reference-counted); returns the function that uninstalls it. */
export function installEnvScope(): () => void {
  if (installs === 0) {
    realEnv = process.env;
    process.env = makeProxy(realEnv);
  }
  installs++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    installs--;
    if (installs === 0 && realEnv) {
      process.env = realEnv;
      realEnv = undefined;
    }
  };
}

/** Runs `fn` (and everything it starts) with `env` as process.env. */
export function runWithEnv<T>(env: FunctionEnv, fn: () => T): T {
  return als.run(env, fn);
}

/** The real environment, whatever function is running. */
export function hostEnv(): NodeJS.ProcessEnv {
  return realEnv ?? process.env;
}
