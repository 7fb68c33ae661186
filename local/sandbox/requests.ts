/**
 * The sandbox's own types of the (contract-validated) request parameters each handler receives:
 * body fields for body operations, query fields (already coerced to numbers where the contract
 * says integer) for query operations. Written from the contract, independent of shared/bss.
 */

type Int = number;

export interface SandboxRequests {
  ListSubCustomers: {
    account_name?: string;
    customer?: string;
    offset?: Int;
    limit?: Int;
    label?: string;
    association_type?: string;
    associated_on_begin?: string;
    associated_on_end?: string;
    customer_id?: string;
    indirect_partner_id?: string;
  };
  ListPayPerUseCustomerResources: {
    resource_ids?: string[];
    order_id?: string;
    only_main_resource?: 0 | 1;
    status_list?: (2 | 3 | 4 | 5)[];
    offset?: Int;
    limit?: Int;
    expire_time_begin?: string;
    expire_time_end?: string;
    service_type_code?: string;
    customer_id?: string;
  };
  ListRenewRateOnPeriod: { resource_ids: string[]; period_type: 2 | 3; period_num: Int; include_relative_resources?: boolean };
  RenewalResources: { resource_ids: string[]; period_type: 2 | 3; period_num: Int; is_auto_pay?: 0 | 1 };
  AutoRenewalResources: { auto_renew_times?: Int };
  CancelAutoRenewalResources: Record<string, never>;
  ListOrderDiscounts: { order_id: string };
  PayOrders: {
    order_id: string;
    use_coupon: "YES" | "NO";
    use_discount: "YES" | "NO";
    coupon_infos?: { id: string; type: Int }[];
    discount_infos?: { id: string; type: Int }[];
  };
  ListCustomerOrders: {
    order_id?: string;
    customer_id?: string;
    create_time_begin?: string;
    create_time_end?: string;
    payment_time_begin?: string;
    payment_time_end?: string;
    service_type_code?: string;
    status?: Int;
    order_type?: string;
    limit?: Int;
    offset?: Int;
    order_by?: "createTime" | "-createTime";
    indirect_partner_id?: string;
    method?: "oneself" | "sub_customer";
  };
  CreateEnterpriseRealnameAuthentication: EnterpriseRealname;
  ChangeEnterpriseRealnameAuthentication: EnterpriseRealname & { change_type: 1 };
  CreatePersonalRealnameAuth: {
    customer_id: string;
    identify_type: 0 | 4;
    verified_type?: Int;
    verified_file_url: string[];
    name: string;
    verified_number: string;
    change_type?: -1;
    xaccount_type: string;
    bank_card_info?: { bank_account: string; areacode: string; mobile: string; verification_code: string };
  };
  ShowRealnameAuthenticationReviewResult: { customer_id: string };
  ListServiceTypes: { service_type_name?: string; offset?: Int; limit?: Int };
  ListResourceTypes: { offset?: Int; limit?: Int };
  ListIncentiveDiscountPolicies: { time: string; service_type_code?: string; offset?: Int; limit?: Int };
}

export type EnterpriseRealname = {
  customer_id: string;
  identify_type: 1;
  certificate_type?: Int;
  verified_file_url: string[];
  corp_name: string;
  verified_number: string;
  reg_country?: string;
  reg_address?: string;
  xaccount_type: string;
  enterprise_person?: { legel_name: string; legel_id_number: string; certifier_role?: "legalPerson" };
};

/** KeystoneCreateAgencyToken body (IAM assume_role), as the contract models it. */
export interface AssumeRoleRequest {
  auth: {
    identity: { methods: string[]; assume_role: { domain_id?: string; domain_name?: string; agency_name: string } };
    scope: { domain?: { id?: string; name?: string }; project?: { id?: string; name?: string } };
  };
}

export type SandboxOperationName = keyof SandboxRequests;
