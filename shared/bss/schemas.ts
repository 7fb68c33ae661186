/**
 * zod schemas for the BSS operations partner-ops uses, transcribed from
 * ../shared/reference/bss-api.md (field names, enums and ranges exactly as documented;
 * `suscriptions` and `legel_` are the real spellings).
 *
 * Tolerant reading, strict writing. Request schemas are strict: an undocumented field is a bug on
 * our side (a typo such as `legal_name` would otherwise be silently dropped by BSS). Response
 * schemas accept everything the BSS contract (test/fixtures/bss-contract, from Huawei's Go SDK)
 * allows: extra fields, every field the SDK marks optional absent, and values of "closed" enums
 * the SDK does not document (association_type, verified_status, incentive_policy, order status …).
 * A record that lacks what a decision needs is dropped by the consumer with a warning (e.g. the
 * renewal scan checks each resource against `orderInstance`), never by failing the whole page.
 * test/contract/ holds the client to the contract in both directions.
 *
 * Contract vs reference: where the contract and bss-api.md disagree the contract wins, unless the
 * reference documents more than the SDK says. Cases here: `limit` maxima and string max lengths
 * (SDK silent, reference documents them: reference, stricter writing is harmless); the resource
 * query's `limit` (neither documents a maximum: 500 is only the client's own bound); coupon/discount
 * infos with use_*=NO (SDK: parameter error, flag text: ignored: never sent); the ListCustomerOrders
 * status filter (contract enum 1, 3, 4, 5, 6, 9, reference agrees); association_type "3" (contract's
 * intl model, not in the reference).
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Common

/** UTC `yyyy-MM-ddTHH:mm:ssZ` as BSS uses it. */
export const utcTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "expected UTC yyyy-MM-ddTHH:mm:ssZ");
/**
 * Money as BSS returns it: a decimal string (renew-rate) or a JSON number (orders). Kept as a
 * string; the contract types renew-rate amounts as plain strings, so a non-decimal string is
 * accepted here and refused where a price is computed from it.
 */
export const money = z.union([z.string(), z.number()]).transform((v) => String(v));

export const bssErrorBody = z.looseObject({
  error_code: z.string(),
  error_msg: z.string().optional(),
});

export const failResourceInfo = z.looseObject({
  error_code: z.string().optional(),
  error_msg: z.string().optional(),
  resource_id: z.string().optional(),
});
export type FailResourceInfo = z.infer<typeof failResourceInfo>;

const offset = (max = 2_147_483_647) => z.number().int().min(0).max(max);
const limit = (max: number) => z.number().int().min(1).max(max);
/** Query-string integers arrive as strings; accept both for GET operations. */
const qint = (schema: z.ZodNumber) => z.union([schema, z.string().regex(/^\d+$/).transform(Number).pipe(schema)]);

// ---------------------------------------------------------------------------------------------
// §4 ListSubCustomers — POST /v2/partners/sub-customers/query

/** Request filter values: "1" advisory (顾问销售), "2" reseller (代售, China site), "3" resale (转售, international site). */
export const associationType = z.enum(["1", "2", "3"]);

export const listSubCustomersRequest = z.strictObject({
  account_name: z.string().max(64).optional(),
  customer: z.string().max(64).optional(),
  offset: offset(40_000_000).optional(),
  limit: limit(100).optional(),
  label: z.string().max(64).optional(),
  association_type: associationType.optional(),
  associated_on_begin: utcTime.optional(),
  associated_on_end: utcTime.optional(),
  customer_id: z.string().max(64).optional(),
  indirect_partner_id: z.string().max(64).optional(),
});

export const customerInformation = z.looseObject({
  customer_id: z.string(),
  account_name: z.string(),
  customer: z.string().optional(),
  associated_on: z.string().optional(),
  // Documented "1"/"2" (cn), "1"/"3" (intl); an undocumented value is kept, not refused.
  association_type: z.string().optional(),
  label: z.string().optional(),
  telephone: z.string().optional(),
  country_code: z.string().optional(),
  email: z.string().optional(),
  // Documented "-1", "0", "1", "2" (+ "3" on intl).
  verified_status: z.string().optional(),
  customer_type: z.number().int().optional(),
  is_frozen: z.number().int().optional(),
  account_managers: z.array(z.looseObject({ account_name: z.string().optional() })).optional(),
  xaccount_id: z.string().optional(),
  xaccount_type: z.string().optional(),
  customer_level: z.string().optional(),
});
export type CustomerInformation = z.infer<typeof customerInformation>;

export const listSubCustomersResponse = z.looseObject({
  count: z.number().int().optional(),
  customer_infos: z.array(customerInformation).optional(),
});

// ---------------------------------------------------------------------------------------------
// §5.1 ListPayPerUseCustomerResources — POST /v2/orders/suscriptions/resources/query (sic)

export const resourceStatus = z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(5)]); // in use, closed, frozen, expired
/** 0 grace, 1 to pay-per-use, 2 auto-delete, 3 auto-renew, 4 freeze, 5 delete from retention. */
export const expirePolicy = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]);

export const listResourcesRequest = z.strictObject({
  resource_ids: z.array(z.string().min(1).max(64)).max(50).optional(),
  order_id: z.string().max(64).optional(),
  only_main_resource: z.union([z.literal(0), z.literal(1)]).optional(),
  status_list: z.array(resourceStatus).max(10).optional(),
  offset: offset().optional(),
  // No maximum is documented (contract and reference); 500 is the client's own bound (the old API's).
  limit: limit(500).optional(),
  expire_time_begin: utcTime.optional(),
  expire_time_end: utcTime.optional(),
  service_type_code: z.string().min(1).max(64).optional(),
  customer_id: z.string().min(1).max(64).optional(),
});

/**
 * A resource record as BSS may send it: every field optional (the SDK marks them all so), enums open.
 * What the client accepts on the wire; see `orderInstance` for what a renewal decision needs.
 */
export const resourceRecord = z.looseObject({
  id: z.string().optional(),
  resource_id: z.string().optional(),
  resource_name: z.string().optional(),
  region_code: z.string().optional(),
  service_type_code: z.string().optional(),
  resource_type_code: z.string().optional(),
  parent_resource_id: z.string().optional(),
  is_main_resource: z.number().int().optional(),
  status: z.number().int().optional(),
  expire_time: z.string().optional(),
  expire_policy: z.number().int().optional(),
});
export type ResourceRecord = z.infer<typeof resourceRecord>;

/** A resource record with what the renewal decision needs (resource_id, is_main_resource, status, expire_time). */
export const orderInstance = z.looseObject({
  id: z.string().optional(),
  resource_id: z.string(),
  resource_name: z.string().optional(),
  region_code: z.string().optional(),
  service_type_code: z.string().optional(),
  service_type_name: z.string().optional(),
  resource_type_code: z.string().optional(),
  resource_type_name: z.string().optional(),
  resource_spec_code: z.string().optional(),
  project_id: z.string().optional(),
  product_id: z.string().optional(),
  parent_resource_id: z.string().optional(),
  is_main_resource: z.union([z.literal(0), z.literal(1)]),
  status: resourceStatus,
  effective_time: z.string().optional(),
  expire_time: utcTime,
  expire_policy: expirePolicy.optional(),
  product_spec_desc: z.string().optional(),
  spec_size: z.number().optional(),
  spec_size_measure_id: z.number().int().optional(),
  update_time: z.string().optional(),
  enterprise_project: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
});
export type OrderInstance = z.infer<typeof orderInstance>;

export const listResourcesResponse = z.looseObject({
  total_count: z.number().int().optional(),
  data: z.array(resourceRecord).optional(),
});

// ---------------------------------------------------------------------------------------------
// §5.2 ListRenewRateOnPeriod, §5.3 RenewalResources

export const periodType = z.union([z.literal(2), z.literal(3)]); // 2 month, 3 year

const periodChecked = <T extends { period_type: 2 | 3; period_num: number }>(v: T, ctx: z.RefinementCtx) => {
  const max = v.period_type === 2 ? 11 : 3;
  if (v.period_num > max) {
    ctx.addIssue({ code: "custom", path: ["period_num"], message: `period_num must be 1-${max} for period_type ${v.period_type}` });
  }
};

export const renewRateRequest = z
  .strictObject({
    resource_ids: z.array(z.string().min(1).max(64)).min(1).max(10),
    period_type: periodType,
    period_num: z.number().int().min(1).max(11),
    include_relative_resources: z.boolean().optional(),
  })
  .superRefine(periodChecked);

export const renewRateResponse = z.looseObject({
  currency: z.string().optional(),
  renew_inquiry_results: z.array(z.looseObject({ resource_id: z.string().optional(), amount: money.optional() })).optional(),
  official_website_rating_result: z
    .looseObject({
      official_website_amount: money.optional(),
      installment_official_website_amount: money.optional(),
      installment_period_type: z.number().int().optional(),
    })
    .optional(),
  // Entries without discount_id/amount/discount_type cannot be offered; the consumer skips them.
  optional_discount_rating_results: z
    .array(
      z.looseObject({
        discount_id: z.string().optional(),
        amount: money.optional(),
        official_website_amount: money.optional(),
        discount_amount: money.optional(),
        discount_type: z.number().int().optional(), // 605 commercial, 606 distributor BE contract, 607 partner-set
        discount_name: z.string().optional(),
        best_offer: z.number().int().optional(),
      }),
    )
    .optional(),
  fail_resource_infos: z.array(failResourceInfo).optional(),
});

export const renewalRequest = z
  .strictObject({
    resource_ids: z.array(z.string().min(1).max(64)).min(1).max(10),
    period_type: periodType,
    period_num: z.number().int().min(1).max(11),
    is_auto_pay: z.union([z.literal(0), z.literal(1)]).optional(),
  })
  .superRefine(periodChecked);

export const renewalResponse = z.looseObject({
  order_ids: z.array(z.string()).optional(),
  fail_resource_infos: z.array(failResourceInfo).optional(),
});

// §5.4 auto-renew
export const autoRenewRequest = z.strictObject({ auto_renew_times: z.number().int().min(0).max(99).optional() });
export const emptyResponse = z.looseObject({});

// ---------------------------------------------------------------------------------------------
// §6.4 ListOrderDiscounts — GET /v2/orders/customer-orders/order-discounts?order_id=

/** PayOrders `discount_infos[].type` values: the ListOrderDiscounts `discount_type` of the discount sent. */
export const payDiscountType = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(609)]);
export type PayDiscountType = z.infer<typeof payDiscountType>;

export const listOrderDiscountsRequest = z.strictObject({ order_id: z.string().min(1).max(64) });

/** Decimal as the contract types it (number); a string form is accepted too. */
const decimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);

export const orderDiscount = z.looseObject({
  discount_id: z.string(),
  /** Rate or amount off as a string; empty for the fixed-price mode. */
  discount_value: z.string().optional(),
  /** 0 promotional, 1 contract, 2 commercial, 3 partner-granted, 609 order price adjustment (open: new types are read, not used). */
  discount_type: z.number().int(),
  orders: z
    .array(
      z.looseObject({
        order_id: z.string(),
        order_line_items: z
          .array(
            z.looseObject({
              order_line_item_ids: z.array(z.string()).optional(),
              /** 0 discount rate, 1 fixed price, 2 amount off. */
              discount_mode: z.number().int().optional(),
              discount_amount: decimal.optional(),
              discount_ratio: decimal.optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type OrderDiscount = z.infer<typeof orderDiscount>;

export const listOrderDiscountsResponse = z.looseObject({ discounts: z.array(orderDiscount).optional() });

// ---------------------------------------------------------------------------------------------
// §6.1 PayOrders v3 — POST /v3/orders/customer-orders/pay

export const payOrdersRequest = z
  .strictObject({
    order_id: z.string().min(1).max(64),
    use_coupon: z.enum(["YES", "NO"]),
    use_discount: z.enum(["YES", "NO"]),
    coupon_infos: z
      .array(z.strictObject({ id: z.string().min(1).max(64), type: z.union([z.literal(300), z.literal(301), z.literal(302), z.literal(303)]) }))
      .min(1)
      .max(3)
      .optional(),
    // Types as ListOrderDiscounts returns them (the pay type is the listed type, no mapping): 0 promotional,
    // 1 contract (intl pay enum), 2 commercial, 3 partner-granted, 609 order price adjustment. The contract's
    // pay enum lists 0/2/3 (intl 0/1/2/3) while its description makes a 609 discount on the order mandatory
    // to use; 609 is sent as the type of that discount (issue 12.3; unconfirmed against the live API).
    discount_infos: z
      .array(z.strictObject({ id: z.string().min(1).max(64), type: payDiscountType }))
      .min(1)
      .max(1)
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.use_coupon === "YES" && !v.coupon_infos) ctx.addIssue({ code: "custom", path: ["coupon_infos"], message: "required when use_coupon=YES" });
    if (v.use_coupon === "NO" && v.coupon_infos) ctx.addIssue({ code: "custom", path: ["coupon_infos"], message: "must not be sent when use_coupon=NO" });
    if (v.use_discount === "YES" && !v.discount_infos) ctx.addIssue({ code: "custom", path: ["discount_infos"], message: "required when use_discount=YES" });
    if (v.use_discount === "NO" && v.discount_infos) ctx.addIssue({ code: "custom", path: ["discount_infos"], message: "must not be sent when use_discount=NO" });
  });

// ---------------------------------------------------------------------------------------------
// §7 ListCustomerOrders — GET /v2/orders/customer-orders

/** 1 pending review, 2 pending refund, 3 processing, 4 cancelled, 5 completed, 6 pending payment, 9 pending confirmation, 10-13 hardware. */
export const orderStatus = z.number().int();
// Status filter: the contract's enum (1, 3, 4, 5, 6, 9); responses carry more (2, 10-13).
export const listCustomerOrdersRequest = z.strictObject({
  order_id: z.string().max(64).optional(),
  customer_id: z.string().min(1).max(64).optional(),
  create_time_begin: utcTime.optional(),
  create_time_end: utcTime.optional(),
  payment_time_begin: utcTime.optional(),
  payment_time_end: utcTime.optional(),
  service_type_code: z.string().max(64).optional(),
  status: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.union([z.literal(1), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(9)]))
    .optional(),
  order_type: z.enum(["1", "2", "3", "4", "10", "11", "13", "14", "15"]).optional(),
  limit: qint(limit(100)).optional(),
  offset: qint(offset()).optional(),
  order_by: z.enum(["createTime", "-createTime"]).optional(),
  indirect_partner_id: z.string().max(64).optional(),
  method: z.enum(["oneself", "sub_customer"]).optional(),
});

/** order_id is optional in the SDK; a record without it names no order and is ignored by the lookups. */
export const customerOrder = z.looseObject({
  order_id: z.string().optional(),
  customer_id: z.string().optional(),
  service_type_code: z.string().optional(),
  service_type_name: z.string().optional(),
  source_type: z.number().int().optional(),
  status: orderStatus.optional(),
  order_type: z.union([z.number().int(), z.string()]).optional(),
  amount_after_discount: money.optional(),
  official_amount: money.optional(),
  measure_id: z.number().int().optional(),
  create_time: z.string().optional(),
  payment_time: z.string().optional(),
  currency: z.string().optional(),
  contract_id: z.string().optional(),
});
export type CustomerOrder = z.infer<typeof customerOrder>;

export const listCustomerOrdersResponse = z.looseObject({
  total_count: z.number().int().optional(),
  order_infos: z.array(customerOrder).optional(),
});

// ---------------------------------------------------------------------------------------------
// §8–§10 real-name

const fileUrls = z
  .array(
    z
      .string()
      .min(1)
      .max(512)
      .refine((p) => !p.startsWith("/") && !p.startsWith("download/") && !p.includes(".."), "path relative to the bucket's download/ folder"),
  )
  .min(1)
  .max(4);

export const enterprisePerson = z.strictObject({
  legel_name: z.string().min(1).max(255),
  legel_id_number: z.string().min(1).max(64),
  certifier_role: z.literal("legalPerson").optional(),
});

const enterpriseFields = {
  customer_id: z.string().min(1).max(64),
  identify_type: z.literal(1),
  certificate_type: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(99)]).optional(),
  verified_file_url: fileUrls,
  corp_name: z
    .string()
    .min(1)
    .max(255)
    .refine((s) => /[\p{L}]/u.test(s), "cannot be only digits, special characters or spaces"),
  verified_number: z.string().min(1).max(64),
  reg_country: z.string().regex(/^[A-Z]{2}$/).optional(),
  reg_address: z.string().min(1).max(512).optional(),
  xaccount_type: z.string().min(1).max(64),
  enterprise_person: enterprisePerson.optional(),
};

export const enterpriseRealnameRequest = z.strictObject(enterpriseFields);
/** The change call: reg_country/reg_address omitted = not assigned, "" = set to empty (contract and bss-api.md §9). */
export const changeEnterpriseRealnameRequest = z.strictObject({
  ...enterpriseFields,
  reg_country: z.union([z.literal(""), z.string().regex(/^[A-Z]{2}$/)]).optional(),
  reg_address: z.string().max(512).optional(),
  change_type: z.literal(1),
});

export const individualRealnameRequest = z
  .strictObject({
    customer_id: z.string().min(1).max(64),
    identify_type: z.union([z.literal(0), z.literal(4)]),
    verified_type: z.union([z.literal(3), z.literal(5), z.literal(6), z.literal(9), z.literal(10)]).optional(),
    verified_file_url: fileUrls,
    name: z.string().min(1).max(255),
    verified_number: z.string().min(1).max(32),
    change_type: z.literal(-1).optional(),
    xaccount_type: z.string().min(1).max(64),
    bank_card_info: z
      .strictObject({
        bank_account: z.string().regex(/^[0-9a-zA-Z][0-9a-zA-Z-]*$/),
        areacode: z.string().min(1),
        mobile: z.string().min(1),
        verification_code: z.string().min(1),
      })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.identify_type === 0 && v.verified_type === undefined) {
      ctx.addIssue({ code: "custom", path: ["verified_type"], message: "required when identify_type=0" });
    }
    if (v.identify_type === 4 && !v.bank_card_info) {
      ctx.addIssue({ code: "custom", path: ["bank_card_info"], message: "required when identify_type=4" });
    }
  });

/** is_review: documented 0/1; another value is kept as "not known to be in manual review". */
export const realnameApplyResponse = z.looseObject({ is_review: z.number().int().optional() });

export const reviewResultRequest = z.strictObject({ customer_id: z.string().min(1).max(64) });
/** 0 under review, 1 rejected, 2 approved. */
export const reviewResultResponse = z.looseObject({
  // An undocumented value still means "a review exists"; consumers treat it as not final.
  review_result: z.number().int().optional(),
  opinion: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// §2, §3 product catalogue

export const listServiceTypesRequest = z.strictObject({
  service_type_name: z.string().min(1).max(128).optional(),
  offset: qint(offset(1_000_000_000)).optional(),
  limit: qint(limit(1000)).optional(),
});
export const listServiceTypesResponse = z.looseObject({
  total_count: z.number().int().optional(),
  service_types: z
    .array(z.looseObject({ service_type_name: z.string().optional(), service_type_code: z.string().optional(), abbreviation: z.string().optional() }))
    .optional(),
});

export const listResourceTypesRequest = z.strictObject({
  offset: qint(offset()).optional(),
  // Range not documented; the sandbox uses ListServiceTypes' 1000.
  limit: qint(limit(1000)).optional(),
});
export const listResourceTypesResponse = z.looseObject({
  total_count: z.number().int().optional(),
  resource_types: z
    .array(
      z.looseObject({
        resource_type_code: z.string().optional(),
        resource_type_name: z.string().optional(),
        resource_type_desc: z.string().optional(),
        service_type_code: z.string().optional(),
      }),
    )
    .optional(),
});

export const listIncentivePoliciesRequest = z.strictObject({
  time: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM"),
  service_type_code: z.string().max(64).optional(),
  offset: qint(offset()).optional(),
  limit: qint(limit(100)).optional(),
});
export const listIncentivePoliciesResponse = z.looseObject({
  total_count: z.number().int().optional(),
  policies: z
    .array(
      z.looseObject({
        service_type_code: z.string().optional(),
        service_type_name: z.string().optional(),
        // Documented "0", "1", "2", "13" and "YES"/"NO"; undocumented values are kept.
        incentive_policy: z.string().optional(),
        allow_discount: z.string().optional(),
      }),
    )
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// IAM token (assume_role) — POST /v3/auth/tokens on the IAM endpoint

export const assumeRoleRequest = z.strictObject({
  auth: z.strictObject({
    identity: z.strictObject({
      methods: z.tuple([z.literal("assume_role")]),
      assume_role: z.strictObject({
        domain_name: z.string().min(1).max(64).optional(),
        domain_id: z.string().min(1).max(64).optional(),
        agency_name: z.string().min(1).max(64),
      }),
    }),
    scope: z.union([
      z.strictObject({ domain: z.union([z.strictObject({ id: z.string() }), z.strictObject({ name: z.string() })]) }),
      z.strictObject({ project: z.union([z.strictObject({ id: z.string() }), z.strictObject({ name: z.string() })]) }),
    ]),
  }),
});

/** KeystoneListAuthDomains (GET /v3/auth/domains): the accounts the credentials can access; the first one's id is the X-Domain-Id. */
export const listAuthDomainsResponse = z.looseObject({
  domains: z.array(z.looseObject({ id: z.string().optional(), name: z.string().optional(), enabled: z.boolean().optional() })).optional(),
});

export const iamTokenResponse = z.looseObject({
  token: z.looseObject({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    methods: z.array(z.string()).optional(),
    user: z.looseObject({ id: z.string().optional(), name: z.string().optional(), domain: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional() }).optional(),
    project: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
    domain: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
  }),
});
