/**
 * One function of serverless.yml, loaded from its TypeScript source (Node type stripping) and
 * invoked like Lambda would: `handler(event, context)`, with its own environment, a context object
 * whose remaining time counts down from the function's timeout, and a timeout that turns into an
 * error. Every invocation is reported to `observe` (the engine logs it and emits an event).
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { runWithEnv, type FunctionEnv } from "./env-scope.ts";
import type { FunctionModel } from "./service.ts";

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class HandlerLoadError extends Error {
  override name = "HandlerLoadError";
}
export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutError";
}

export interface InvocationReport {
  function: string;
  requestId: string;
  trigger: string;
  startedAt: number;
  durationMs: number;
  outcome: "ok" | "error" | "timeout";
  error?: { name: string; message: string };
}

export type InvokeResult = { ok: true; result: unknown; requestId: string } | { ok: false; error: Error; requestId: string; timedOut: boolean };

export interface RuntimeOptions {
  model: FunctionModel;
  env: FunctionEnv;
  /** Lambda function name (service-stage-function). */
  lambdaName: string;
  region: string;
  accountId: string;
  observe?: (phase: "start" | "end", report: InvocationReport) => void;
  /** Distinguishes engines started in one process (each gets fresh handler modules). */
  instance: number;
}

export class FunctionRuntime {
  readonly name: string;
  readonly model: FunctionModel;
  private readonly options: RuntimeOptions;
  private handler: Handler | undefined;
  private loading: Promise<Handler> | undefined;
  private inFlight = new Set<Promise<unknown>>();

  constructor(options: RuntimeOptions) {
    this.options = options;
    this.model = options.model;
    this.name = options.model.name;
  }

  get env(): Readonly<Record<string, string>> {
    return this.options.env.vars;
  }

  /** Imports the handler module (its top level runs once, with the function's environment: the cold start). */
  load(): Promise<Handler> {
    if (this.handler) return Promise.resolve(this.handler);
    this.loading ??= runWithEnv(this.options.env, async () => {
      // A query string per function gives every function its own module instance even when two
      // functions share a handler file, as separate Lambda functions would.
      // The instance number does the same across engines started one after another in one process.
      const url = `${pathToFileURL(this.model.handlerFile).href}?function=${encodeURIComponent(this.name)}&instance=${this.options.instance}`;
      let mod: Record<string, unknown>;
      try {
        mod = (await import(url)) as Record<string, unknown>;
      } catch (err) {
        throw new HandlerLoadError(`function ${this.name}: cannot load ${this.model.handler}: ${(err as Error).message}`, { cause: err });
      }
      const h = mod[this.model.exportName];
      if (typeof h !== "function") throw new HandlerLoadError(`function ${this.name}: ${this.model.handlerFile} has no exported function "${this.model.exportName}"`);
      if (h.length >= 3) {
        throw new HandlerLoadError(`function ${this.name}: callback-style handlers (event, context, callback) are not supported on nodejs24.x; return a promise`);
      }
      this.handler = h as Handler;
      return this.handler;
    }).catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private context(requestId: string, deadline: number): Context {
    const { lambdaName, region, accountId, model } = this.options;
    return {
      functionName: lambdaName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${lambdaName}`,
      memoryLimitInMB: String(model.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${lambdaName}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${requestId.replace(/-/g, "")}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Invokes the function once. Never throws: errors and timeouts are in the result. */
  async invoke(event: unknown, trigger: string): Promise<InvokeResult> {
    const requestId = randomUUID();
    const startedAt = Date.now();
    const timeoutMs = this.model.timeoutSeconds * 1000;
    const deadline = startedAt + timeoutMs;
    const base = { function: this.name, requestId, trigger, startedAt };
    this.options.observe?.("start", { ...base, durationMs: 0, outcome: "ok" });
    let timer: NodeJS.Timeout | undefined;
    const run = (async () => {
      const handler = await this.load();
      return runWithEnv(this.options.env, () => handler(event, this.context(requestId, deadline)));
    })();
    this.inFlight.add(run);
    const settled = run.finally(() => this.inFlight.delete(run));
    settled.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(`Task timed out after ${this.model.timeoutSeconds.toFixed(2)} seconds`)), timeoutMs);
    });
    try {
      const result = await Promise.race([run, timeout]);
      this.options.observe?.("end", { ...base, durationMs: Date.now() - startedAt, outcome: "ok" });
      return { ok: true, result, requestId };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const timedOut = error instanceof FunctionTimeoutError;
      this.options.observe?.("end", {
        ...base,
        durationMs: Date.now() - startedAt,
        outcome: timedOut ? "timeout" : "error",
        error: { name: error.name, message: error.message },
      });
      return { ok: false, error, requestId, timedOut };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when every invocation started so far has finished (including timed-out ones, bounded by `maxWaitMs`). */
  async drain(maxWaitMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((r) => {
        timer = setTimeout(r, maxWaitMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
