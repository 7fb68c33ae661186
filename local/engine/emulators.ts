/**
 * The local stand-ins for AWS services: fauxqs (SQS + S3, SQLite persistence in a data directory
 * or in memory) and dynalite (DynamoDB, LevelDB in a data directory or in memory). Both are bound
 * to 127.0.0.1 on an ephemeral port unless a port is given.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import type { Server } from "node:http";
import { join } from "node:path";
import { startFauxqs, type FauxqsServer } from "fauxqs";

const require = createRequire(import.meta.url);

export type { FauxqsServer } from "fauxqs";

/** Local-only AWS credentials; the emulators accept anything, and real AWS rejects these. */
export function localCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: "local", secretAccessKey: "local" }; // a fresh object: the SDK annotates it
}
export const LOCAL_ACCOUNT_ID = "000000000000";

let listenLock: Promise<unknown> = Promise.resolve();

/**
 * fauxqs always listens on 0.0.0.0, which would expose an unauthenticated SQS/S3 emulator to the
 * network. While `fn` runs, listen() calls for the wildcard address are redirected to 127.0.0.1.
 * Serialised, so two engines starting at once cannot interleave their patches.
 */
async function withLoopbackListen<T>(fn: () => Promise<T>): Promise<T> {
  const run = listenLock.then(async () => {
    const original = net.Server.prototype.listen;
    net.Server.prototype.listen = function patched(this: net.Server, ...args: unknown[]) {
      const first = args[0];
      if (first && typeof first === "object" && "host" in first) {
        const opts = first as net.ListenOptions;
        if (opts.host === "0.0.0.0" || opts.host === "::") args[0] = { ...opts, host: "127.0.0.1" };
      }
      return (original as (...a: unknown[]) => net.Server).apply(this, args);
    } as typeof original;
    try {
      return await fn();
    } finally {
      net.Server.prototype.listen = original;
    }
  });
  listenLock = run.catch(() => undefined);
  return run;
}

export interface FauxqsOptions {
  /** Directory for SQLite persistence; undefined = in memory. */
  dataDir?: string | undefined;
  port?: number;
  region?: string;
}

export async function startLocalFauxqs(options: FauxqsOptions = {}): Promise<FauxqsServer> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  return withLoopbackListen(() =>
    startFauxqs({
      port: options.port ?? 0,
      logger: false,
      // The spy is how the engine learns about S3 uploads (fauxqs has no bucket notifications).
      messageSpies: { bufferSize: 16 },
      ...(options.region ? { defaultRegion: options.region } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    }),
  );
}

/** Base URL of a fauxqs server on the loopback address (use this as every SDK endpoint). */
export function fauxqsEndpoint(server: FauxqsServer): string {
  return `http://127.0.0.1:${server.port}`;
}

/** Queue URL whose host is the emulator itself, so SDK clients work without any special option. */
export function localQueueUrl(server: FauxqsServer, queueName: string): string {
  return `${fauxqsEndpoint(server)}/${LOCAL_ACCOUNT_ID}/${queueName}`;
}

export interface LocalDynamo {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export async function startLocalDynamo(options: { dataDir?: string | undefined; port?: number } = {}): Promise<LocalDynamo> {
  const dynalite = require("dynalite") as DynaliteFactory;
  let path: string | undefined;
  if (options.dataDir) {
    path = join(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
