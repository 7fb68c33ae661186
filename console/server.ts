/** Starts the console on 127.0.0.1 (never another interface). */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createConsoleApp } from "./app.ts";
import { createQuery, type QueryOptions } from "./query.ts";
import type { ConsoleSources } from "./sources.ts";

export const CONSOLE_HOST = "127.0.0.1";

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startConsole(options: { sources: ConsoleSources; port?: number; allowActions: boolean; query?: QueryOptions; csrfToken?: string }): Promise<ConsoleServer> {
  let port = options.port ?? 0;
  const query = createQuery(options.sources, options.query);
  const app = createConsoleApp({
    sources: options.sources,
    query,
    allowActions: options.allowActions,
    allowedHosts: () => [`${CONSOLE_HOST}:${port}`, `localhost:${port}`],
    ...(options.csrfToken ? { csrfToken: options.csrfToken } : {}),
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: CONSOLE_HOST, port }, () => resolve(s));
    s.once("error", reject);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${CONSOLE_HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
