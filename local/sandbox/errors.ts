/** Error bodies the sandbox answers with. Pure. */

/** A BSS (or gateway/IAM) failure: HTTP status plus the documented `{error_code, error_msg}` body. */
export class SandboxError extends Error {
  override name = "SandboxError";
  readonly status: number;
  readonly code: string;
  /** IAM answers with the same two keys; kept as a flag for the HTTP layer's log line only. */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  body(): { error_code: string; error_msg: string } {
    return { error_code: this.code, error_msg: this.message };
  }
}

export const paramError = (message: string): SandboxError => new SandboxError(400, "CBC.0100", message);
export const notSubCustomer = (customerId: string): SandboxError =>
  new SandboxError(400, "CBC.99000035", `customer ${customerId} is not a sub-customer of this partner`);
