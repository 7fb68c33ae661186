/**
 * Configuration of the invoice-email intake: labels, allow-lists, keywords and limits.
 * Everything has a default; a partial object (e.g. from the function's environment) is filled in
 * by zod. Arrays given by the caller replace the default array of the same key.
 */
import { z } from "zod";

const words = (defaults: string[]) => z.array(z.string().min(1)).default(defaults);

export const DEFAULT_LABELS = {
  partnerName: ["伙伴名称", "合作伙伴名称", "伙伴公司名称", "公司名称", "Partner Name", "Partner Company", "Company Name", "夥伴名稱", "合作夥伴名稱"],
  applicationNo: [
    "申付单号", "申付单编号", "申请单号", "付款申请编号", "付款申请单号", "付款申请号", "申请编号",
    "InTouch No.", "InTouch No", "InTouch Number", "Payment Requisition Form No.", "Payment Requisition No.",
    "Payment Request No.", "Application No.",
    "申付單號", "申付單編號", "申請單號", "付款申請編號", "付款申請單號",
  ],
  amount: [
    "开票金额", "应开票金额", "开票总金额", "发票金额", "含税金额", "价税合计",
    "Invoice Amount", "Invoicing Amount", "Amount to Invoice", "Amount (incl. tax)", "Amount incl. tax",
    "開票金額", "發票金額", "含稅金額", "價稅合計",
  ],
  amountExclTax: [
    "不含税金额", "金额（不含税）", "未税金额", "税前金额",
    "Amount excl. tax", "Amount (excl. tax)", "Amount excluding tax", "Amount excl. VAT", "Net Amount",
    "不含稅金額", "未稅金額", "金額（不含稅）",
  ],
  taxAmount: ["税额", "税金", "增值税额", "Tax Amount", "VAT Amount", "稅額", "稅金"],
  currency: ["币种", "结算币种", "开票币种", "币别", "Invoice Currency", "Currency", "幣別", "幣種"],
  taxRate: ["税率", "增值税税率", "Tax Rate", "VAT Rate", "稅率"],
  invoiceType: ["发票类型", "发票种类", "开票类型", "票种", "Invoice Type", "發票類型"],
  billingPeriod: [
    "对账期次", "账期", "对账周期", "结算周期", "结算期间", "结算账期", "激励周期", "所属期间", "所属账期",
    "激励季度", "付款季度", "申请季度", "Settlement Period", "Billing Period", "Billing Cycle",
    "對賬期次", "結算週期", "帳期",
  ],
  recipient: ["收件人", "收票人", "收件人姓名", "联系人", "Recipient", "Attention", "Attn", "Contact Person"],
  phone: ["联系电话", "收件人电话", "电话", "手机", "Phone", "Tel", "Telephone", "Contact Number"],
  address: ["邮寄地址", "发票邮寄地址", "收件地址", "收票地址", "寄送地址", "详细地址", "通讯地址", "Mailing Address", "Postal Address", "Address"],
  postcode: ["邮政编码", "邮编", "Postcode", "Postal Code", "Post Code", "ZIP Code", "ZIP"],
  publicMailbox: [
    "公共邮箱", "提交邮箱", "收票邮箱", "发票邮箱", "发送至", "发送到",
    "Send the invoice", "signed form to", "submit to", "Mailbox", "Email to", "E-mail to",
  ],
  invoiceListUrl: ["查看开票清单", "开票清单", "View Invoicing Information", "Invoicing Information", "View Invoicing List", "Invoicing List", "查看開票清單", "開票清單"],
  entityName: ["购买方名称", "购买方", "购方名称", "发票抬头", "开票抬头", "抬头", "开票对象", "Bill To", "Invoice To", "Buyer Name", "Buyer", "購買方名稱", "購方名稱", "發票抬頭"],
  entityTaxId: [
    "纳税人识别号", "购买方纳税人识别号", "购方税号", "统一社会信用代码", "税号",
    "Huawei VAT No.", "VAT No.", "VAT Number", "Tax ID", "Tax No.", "TIN",
    "納稅人識別號", "統一編號", "購方稅號",
  ],
  /** Labels that belong to no field: they end the value before them and hide shorter labels inside them. */
  stop: [
    "销售方名称", "销售方纳税人识别号", "销售方", "销方名称", "开票内容", "激励发放方式", "发放方式",
    "Email Address", "E-mail Address", "邮箱地址", "电子邮箱地址", "邮件地址", "网址", "链接地址", "网页地址", "IP地址", "Web Address", "Service Item",
  ],
};

export type LabelField = keyof typeof DEFAULT_LABELS;

export const LabelsSchema = z
  .object(
    Object.fromEntries(Object.entries(DEFAULT_LABELS).map(([k, v]) => [k, words(v)])) as {
      [K in LabelField]: ReturnType<typeof words>;
    },
  )
  .prefault({});

export const EmailIntakeConfigSchema = z.object({
  /** Raw messages larger than this are quarantined without parsing. */
  maxMessageBytes: z.number().int().positive().default(30 * 1024 * 1024),
  /** Text and HTML bodies are cut to this many characters before extraction. */
  maxBodyChars: z.number().int().positive().default(500_000),
  /** A parse that takes longer is given up and quarantined. */
  parseTimeoutMs: z.number().int().positive().default(20_000),
  /**
   * Budget of the whole extraction after the MIME parse (issue 11.4): wall time, work steps and
   * characters of body text over all bodies and forward levels. Over any → quarantine, reason
   * `extraction-over-budget`.
   */
  extractionBudget: z
    .object({
      ms: z.number().int().positive().default(10_000),
      steps: z.number().int().positive().default(50_000_000),
      chars: z.number().int().positive().default(2_000_000),
    })
    .prefault({}),
  /**
   * Cross-checks of an extracted notice (issue 13, shared/email/review.ts): the application number's
   * format (a regular expression over the whole number), how far the deadline may be before/after
   * the message's date, how many months back the billing period may start.
   */
  review: z
    .object({
      applicationNoPattern: z
        .string()
        .default("^(?=(?:[^0-9]*[0-9]){6})[A-Z]{2,5}[0-9][0-9A-Z-]{4,24}$")
        .refine((p) => {
          try {
            new RegExp(p, "u");
            return true;
          } catch {
            return false;
          }
        }, "a valid regular expression"),
      /** Fields whose absence sends a notice to review (application number and amount always do). */
      required: z
        .array(z.enum(["currency", "partnerName", "billingPeriod", "deadline", "invoiceListUrl", "huaweiEntity"]))
        .default(["currency", "partnerName", "billingPeriod", "deadline", "invoiceListUrl", "huaweiEntity"]),
      /** A paper invoice is posted: with no mailing address found, a person checks (reason mailing-address-missing). */
      paperInvoiceNeedsAddress: z.boolean().default(true),
      deadlineDaysBefore: z.number().int().min(0).default(7),
      deadlineDaysAfter: z.number().int().min(1).default(400),
      periodMonthsBack: z.number().int().min(1).default(36),
    })
    .prefault({}),
  /** How deep forwarded messages (message/rfc822 inside message/rfc822 …) are followed. */
  maxForwardDepth: z.number().int().min(0).max(5).default(3),
  /** Huawei allow-list for senders, links and mailboxes; matched on whole labels from the right. */
  huaweiDomains: words(["huaweicloud.com", "huawei.com"]),
  /** The partner's own domains: a notice forwarded from one of them is accepted. */
  internalDomains: z.array(z.string().min(1)).default([]),
  /** Judge e-mail addresses written in the body (not only mailto: links); allowed: Huawei and internal domains. */
  judgeBodyAddresses: z.boolean().default(true),
  /** Reject when a link's text shows one host and its href points to another (even inside the allow-list). */
  rejectOnLinkTextMismatch: z.boolean().default(true),
  authentication: z
    .object({
      spamVerdictFail: z.boolean().default(true),
      virusVerdictFail: z.boolean().default(true),
      spfFail: z.boolean().default(true),
      dkimFail: z.boolean().default(true),
      dmarcFail: z.boolean().default(true),
    })
    .prefault({}),
  /** Order of an all-numeric slash date (03/04/2025) when the mail does not say and it is ambiguous. */
  slashDateOrder: z.enum(["dmy", "mdy"]).default("dmy"),
  /** How many lines around the address the other mailing-address fields may be. */
  mailingBlockLines: z.number().int().min(1).default(8),
  labels: LabelsSchema,
  greetings: words(["尊敬的华为云合作伙伴", "尊敬的合作伙伴", "尊敬的伙伴", "尊敬的客户", "尊敬的", "亲爱的", "Dear"]),
  /** Words after the name in a greeting line (尊敬的X您好, Dear X, hi): cut with the punctuation before them (Latin ones only after a comma). */
  salutationTails: words(["您好", "你好", "大家好", "hello", "hi"]),
  /** Greeting names that are not a company (尊敬的合作伙伴：, Dear Partner,). */
  genericGreetingNames: words(["合作伙伴", "华为云合作伙伴", "伙伴", "客户", "用户", "Partner", "Partners", "Customer", "Sir or Madam", "Sir/Madam", "All", "Valued Partner"]),
  /** Words that make a message look like an invoicing notice (so a failed trust check rejects it). */
  noticeKeywords: words([
    "开票通知", "开票清单", "申付单", "付款申请审核通过", "开票信息", "開票通知", "開票清單", "申付單",
    "Billing Notification", "Invoicing Notification", "Invoicing Information", "InTouch No", "Payment Requisition",
  ]),
  flowKeywords: z
    .object({
      fh: words(["专职人员激励", "FH激励", "(FH)", "（FH）", "付款申请编号", "Full-time Headcount", "FH incentive"]),
      incentive: words(["激励", "incentive"]),
    })
    .prefault({}),
  invoiceTypeMarkers: z
    .object({
      special: words(["专用发票", "专票", "special VAT", "VAT special"]),
      electronic: words(["数电", "电子", "全电", "electronic", "e-invoice"]),
    })
    .prefault({}),
  /** Lines that start an inline forward (compared without dashes, spaces and case). */
  forwardMarkers: words(["Forwarded message", "Original Message", "Begin forwarded message", "转发的邮件", "转发邮件", "原始邮件", "原邮件", "邮件原文"]),
  /** Header names in an inline-forward block; the first list names the sender. */
  forwardFromHeaders: words(["From", "发件人", "寄件者", "发信人"]),
  forwardOtherHeaders: words(["Date", "Sent", "Subject", "To", "Cc", "Reply-To", "发送时间", "时间", "日期", "主题", "收件人", "抄送", "回复至"]),
  /** Subject prefixes of a forward (used to accept an Outlook-style header block without a marker line). */
  forwardSubjectPrefixes: words(["Fwd", "Fw", "转发", "轉寄"]),
  deadlineKeywords: z
    .object({
      before: words([
        "请在", "请于", "請於", "請在", "务必于", "务必在", "须于", "需于", "应于", "截止日期", "截止时间", "截止", "最迟", "最晚", "不晚于",
        "no later than", "not later than", "deadline", "due date", "due by", "submit by", "by", "before",
      ]),
      after: words(["之前", "以前", "前"]),
    })
    .prefault({}),
  /** Huawei entities recognised by name when no buyer label is present. */
  huaweiEntityNames: words([
    "华为云计算技术有限公司", "华为软件技术有限公司", "华为技术有限公司",
    "Huawei Services (Hong Kong) Co., Limited", "Huawei Cloud Computing Technologies Co., Ltd.", "Huawei Technologies Co., Ltd.",
  ]),
  currencyNames: z
    .record(z.string().min(1), z.string().regex(/^[A-Z]{3}$/))
    .default({ 人民币: "CNY", 人民幣: "CNY", 美元: "USD", 港币: "HKD", 港元: "HKD", 欧元: "EUR", 新加坡元: "SGD", 英镑: "GBP", 日元: "JPY" }),
  currencyCodes: words(["CNY", "USD", "HKD", "EUR", "SGD", "GBP", "JPY", "MYR", "THB", "IDR", "PHP", "AUD", "BRL", "MXN", "ZAR", "SAR", "AED", "TRY", "CLP", "PEN", "COP", "ARS", "EGP", "NGN", "KES", "TWD", "KRW", "RMB"]),
});

export type EmailIntakeConfig = z.output<typeof EmailIntakeConfigSchema>;
export type EmailIntakeConfigInput = z.input<typeof EmailIntakeConfigSchema>;

/** Error for a configuration that does not validate. */
export class EmailConfigError extends Error {
  override name = "EmailConfigError";
}

const resolved = new WeakSet<object>();

/**
 * Fills in defaults and validates. Throws EmailConfigError on a bad value (never on a message).
 * A config this function returned is passed through as is (resolve once, parse many).
 */
export function resolveEmailConfig(input: EmailIntakeConfigInput | EmailIntakeConfig = {}): EmailIntakeConfig {
  if (resolved.has(input)) return input as EmailIntakeConfig;
  const r = EmailIntakeConfigSchema.safeParse(input);
  if (!r.success) throw new EmailConfigError(`invalid invoice-email configuration: ${z.prettifyError(r.error)}`);
  resolved.add(r.data);
  return r.data;
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);

/**
 * Configuration from the function's environment:
 * INVOICE_EMAIL_INTERNAL_DOMAINS, INVOICE_EMAIL_HUAWEI_DOMAINS (comma lists),
 * INVOICE_EMAIL_MAX_BYTES, and INVOICE_EMAIL_CONFIG_JSON (any other keys, JSON).
 */
export function emailConfigFromEnv(env: Record<string, string | undefined>): EmailIntakeConfig {
  let base: Record<string, unknown> = {};
  const json = env["INVOICE_EMAIL_CONFIG_JSON"];
  if (json) {
    try {
      base = JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new EmailConfigError("INVOICE_EMAIL_CONFIG_JSON is not valid JSON");
    }
  }
  const internal = list(env["INVOICE_EMAIL_INTERNAL_DOMAINS"]);
  const huawei = list(env["INVOICE_EMAIL_HUAWEI_DOMAINS"]);
  const max = env["INVOICE_EMAIL_MAX_BYTES"];
  return resolveEmailConfig({
    ...base,
    ...(internal ? { internalDomains: internal } : {}),
    ...(huawei ? { huaweiDomains: huawei } : {}),
    ...(max ? { maxMessageBytes: Number(max) } : {}),
  } as EmailIntakeConfigInput);
}
