/**
 * Sends a raw RFC 822 message to the engine's SMTP ingress (plain SMTP on 127.0.0.1, no TLS) and
 * returns the object key the ingress stored it under (`inbound/<40-char id>` with the default rule).
 */
import nodemailer from "nodemailer";

export interface SmtpTarget {
  host: string;
  port: number;
}

export interface Envelope {
  from: string;
  to: string[];
}

export class SmtpSendError extends Error {
  override name = "SmtpSendError";
}

/** The ingress answers "250 … queued as <id>"; the id names the stored object. */
export async function sendRawMail(target: SmtpTarget, raw: Buffer, envelope: Envelope, prefix = "inbound/"): Promise<string> {
  const transport = nodemailer.createTransport({ host: target.host, port: target.port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope, raw });
    const id = /queued as ([a-z0-9]{40})/.exec(info.response)?.[1];
    if (!id) throw new SmtpSendError(`unexpected SMTP reply: ${info.response}`);
    return `${prefix}${id}`;
  } finally {
    transport.close();
  }
}
