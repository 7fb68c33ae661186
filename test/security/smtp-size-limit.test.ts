/**
 * Issue 11.5: the local SMTP ingress must stop holding an oversized message at the size limit
 * (it used to buffer all of it — 1 GB sent, 2.2 GB resident) and answer 552.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startSmtpIngress, type SmtpIngress } from "../../local/engine/smtp.ts";

/** A bare SMTP client (no SIZE parameter, like an attacker's) that returns every server reply. */
async function sendRaw(port: number, body: (write: (b: Buffer | string) => Promise<void>) => Promise<void>): Promise<string[]> {
  const socket: Socket = connect(port, "127.0.0.1");
  const replies: string[] = [];
  let pending = "";
  let waiter: (() => void) | undefined;
  socket.on("data", (d: Buffer) => {
    pending += d.toString("latin1");
    let i: number;
    while ((i = pending.indexOf("\r\n")) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 2);
      if (/^\d{3} /.test(line)) {
        replies.push(line);
        waiter?.();
      }
    }
  });
  /** Resolves with the next reply line not yet consumed. */
  let consumed = 0;
  const reply = () =>
    new Promise<string>((r) => {
      const check = () => {
        if (replies.length > consumed) {
          waiter = undefined;
          r(replies[consumed++]!);
        }
      };
      waiter = check;
      check();
    });
  const write = (b: Buffer | string) => new Promise<void>((r) => (socket.write(b) ? r() : socket.once("drain", () => r())));
  const step = async (line: string) => {
    const p = reply();
    await write(`${line}\r\n`);
    return p;
  };
  const greeting = reply();
  await new Promise<void>((r) => socket.once("connect", () => r()));
  await greeting;
  await step("EHLO tester.example");
  await step("MAIL FROM:<a@tester.example>");
  await step("RCPT TO:<invoices@partner.example>");
  await step("DATA");
  const final = reply();
  await body(write);
  await write("\r\n.\r\n");
  await final;
  await step("QUIT");
  socket.destroy();
  return replies;
}

describe("SMTP ingress size limit (issue 11.5)", () => {
  let smtp: SmtpIngress | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it("refuses an oversized message with 552, holding at most the limit of it, and stores nothing", async () => {
    const maxBytes = 256 * 1024;
    const refused: { bytesSeen: number; heldBytes: number }[] = [];
    const stored: string[] = [];
    smtp = await startSmtpIngress({
      host: "127.0.0.1",
      port: 0,
      maxBytes,
      rules: [{ logicalId: "R", name: "r", enabled: true, recipients: ["partner.example"], bucket: "b", prefix: "in/" }],
      store: async (_bucket, key) => {
        stored.push(key);
      },
      onRefused: (info) => refused.push(info),
    });
    const line = Buffer.from(`${"x".repeat(998)}\r\n`);
    const sent = 16 * 1024 * 1024; // 64 times the limit
    const replies = await sendRaw(smtp.port, async (write) => {
      await write("Subject: big\r\n\r\n");
      for (let n = 0; n < sent; n += line.length) await write(line);
    });
    expect(replies.at(-2)).toMatch(/^552 /);
    expect(stored).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.heldBytes).toBeLessThanOrEqual(maxBytes);
    expect(refused[0]!.bytesSeen).toBeGreaterThan(maxBytes);
  });

  it("accepts a message at the limit and stores it whole", async () => {
    const stored: Buffer[] = [];
    smtp = await startSmtpIngress({
      host: "127.0.0.1",
      port: 0,
      maxBytes: 64 * 1024,
      rules: [{ logicalId: "R", name: "r", enabled: true, recipients: ["partner.example"], bucket: "b", prefix: "in/" }],
      store: async (_bucket, _key, body) => {
        stored.push(body);
      },
    });
    const text = `Subject: ok\r\n\r\n${"y".repeat(1000)}`;
    const replies = await sendRaw(smtp.port, (write) => write(text));
    expect(replies.at(-2)).toMatch(/^250 /);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.toString("latin1")).toMatch(/Subject: ok\r\n\r\ny{1000}\r\n$/);
  });
});
