import { describe, expect, it } from "vitest";
import { BssError, businessFailure, describeIssues, errorInfo } from "../../../shared/bss/errors.ts";

describe("errorInfo", () => {
  it("reads the BSS/APIG shape", () => {
    expect(errorInfo({ error_code: "CBC.0100", error_msg: "parameter error" })).toEqual({ code: "CBC.0100", message: "parameter error" });
    expect(errorInfo({ error_code: "APIG.0308", error_msg: "over ratelimit,limit:10,time:1 second" }).code).toBe("APIG.0308");
  });
  it("reads the IAM/Keystone shapes", () => {
    expect(errorInfo({ error: { code: "IAM.0001", message: "token invalid" } })).toEqual({ code: "IAM.0001", message: "token invalid" });
    expect(errorInfo({ error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } })).toEqual({
      message: "The request you have made requires authentication.",
    });
    expect(errorInfo({ code: "IAM.0002", message: "x" })).toEqual({ code: "IAM.0002", message: "x" });
  });
  it("ignores bodies without error fields", () => {
    for (const b of [undefined, null, "x", 5, [], {}, { code: 200 }, { message: "ok" }]) expect(errorInfo(b)).toEqual({});
  });
});

describe("businessFailure (failures inside HTTP 200)", () => {
  it("reports a top-level error_code (any value but CBC.0000)", () => {
    expect(businessFailure({ error_code: "CBC.30010069", error_msg: "renewal period does not exist" })).toEqual({
      code: "CBC.30010069",
      message: "renewal period does not exist",
      failures: [],
    });
    expect(businessFailure({ error_code: "CBC.0000", order_ids: ["o"] })).toBeUndefined();
  });
  it("reports fail_resource_infos and error_details with item ids", () => {
    const f = businessFailure({
      order_ids: ["o1"],
      fail_resource_infos: [{ error_code: "CBC.30010036", error_msg: "not a main resource", resource_id: "r2" }],
    });
    expect(f).toMatchObject({ code: "CBC.30010036", failures: [{ error_code: "CBC.30010036", error_msg: "not a main resource", resource_id: "r2" }] });
    expect(f!.message).toContain("1 item failed");
    const g = businessFailure({ coupon_infos: [], error_details: [{ error_code: "CBC.1", error_msg: "a", id: "c1" }, { error_code: "CBC.2", id: "c2" }] });
    expect(g!.failures.map((x) => x.resource_id)).toEqual(["c1", "c2"]);
    expect(g!.message).toContain("2 items failed");
  });
  it("is quiet for success bodies and empty lists", () => {
    for (const b of [{}, { order_ids: ["o"], fail_resource_infos: [] }, { error_details: [] }, undefined, [], "text"]) expect(businessFailure(b)).toBeUndefined();
  });
});

describe("BssError", () => {
  it("carries every field and a one-line message", () => {
    const e = new BssError({ operation: "PayOrders", kind: "ambiguous", status: 500, code: "CBC.0999", message: "boom", requestId: "req-1", attempts: 1 });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("BssError");
    expect(e.message).toBe("PayOrders ambiguous 500 CBC.0999: boom");
    expect(e.detail).toBe("boom");
    expect({ op: e.operation, kind: e.kind, status: e.status, code: e.code, rid: e.requestId, retry: e.retryable, attempts: e.attempts }).toEqual({
      op: "PayOrders",
      kind: "ambiguous",
      status: 500,
      code: "CBC.0999",
      rid: "req-1",
      retry: false,
      attempts: 1,
    });
  });
  it("describeIssues names fields, never values", () => {
    const text = describeIssues([
      { path: ["enterprise_person", "legel_id_number"], message: "Too big" },
      { path: [], message: "Invalid input" },
    ]);
    expect(text).toBe("enterprise_person.legel_id_number: Too big; Invalid input");
  });
});
