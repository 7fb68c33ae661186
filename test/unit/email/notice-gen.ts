/**
 * Test helper: writes invoicing notices (Chinese and English, plain text and several HTML layouts)
 * from a known set of facts, so tests can check the parser recovers exactly those facts.
 */
import { centsToDecimal } from "../../../shared/email/amounts.ts";

export interface NoticeFacts {
  flow: "incentive" | "fh";
  partner: string;
  applicationNo: string;
  amountCents: bigint;
  exclCents: bigint;
  taxCents: bigint;
  ratePercent: number;
  period: { from: string; to: string };
  invoiceTypeLabel: string;
  entity: { name: string; taxId: string };
  deadline: string; // YYYY-MM-DD
  mailing: { recipient: string; phone: string; address: string; postcode: string } | null;
  mailbox: string | null;
  url: string;
}

export const baseFacts: NoticeFacts = {
  flow: "incentive",
  partner: "杭州样本云计算有限公司",
  applicationNo: "SF20250701000321",
  amountCents: 1_272_000n,
  exclCents: 1_200_000n,
  taxCents: 72_000n,
  ratePercent: 6,
  period: { from: "2025-04", to: "2025-06" },
  invoiceTypeLabel: "增值税专用发票（纸质）",
  entity: { name: "华为云计算技术有限公司", taxId: "91520900000000008A" },
  deadline: "2025-08-01",
  mailing: { recipient: "赵样本（收票组）", phone: "0851-00000000", address: "贵州省贵安新区示例路1号 示例中心B座", postcode: "550000" },
  mailbox: null,
  url: "https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=SF20250701000321",
};

const ym = (m: string) => {
  const [y, mo] = m.split("-");
  return `${y}年${mo}月`;
};

export function money(c: bigint, style: "yen" | "fullwidth" | "yuan" | "plain" = "yen"): string {
  const [i, f] = centsToDecimal(c).split(".");
  const grouped = i!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  if (style === "yen") return `¥${grouped}.${f}`;
  if (style === "yuan") return `${grouped}.${f}元`;
  if (style === "plain") return `${grouped}.${f}`;
  return `￥${grouped}.${f}`.replace(/[0-9,.]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

function periodZh(f: NoticeFacts): string {
  if (f.flow === "fh") {
    const [y, m] = f.period.from.split("-");
    const q = Math.ceil(Number(m) / 3);
    return `${y}年第${"一二三四"[q - 1]}季度`;
  }
  return f.period.from === f.period.to ? ym(f.period.from) : `${ym(f.period.from)} 至 ${ym(f.period.to)}`;
}

const appLabel = (f: NoticeFacts) => (f.flow === "fh" ? "付款申请编号" : "申付单号");

/** Rows (label, value) of a Chinese notice. */
function zhRows(f: NoticeFacts, moneyStyle: "yen" | "fullwidth" | "yuan"): [string, string][] {
  return [
    [appLabel(f), f.applicationNo],
    [f.flow === "fh" ? "激励季度" : "对账期次", periodZh(f)],
    ["开票金额（含税）", money(f.amountCents, moneyStyle)],
    ["不含税金额", money(f.exclCents, moneyStyle)],
    ["税额", money(f.taxCents, moneyStyle)],
    ["币种", "人民币（CNY）"],
    ["发票类型", f.invoiceTypeLabel],
    ["税率", `${f.ratePercent}%`],
    ["购买方名称", f.entity.name],
    ["纳税人识别号", f.entity.taxId],
  ];
}

function zhIntro(f: NoticeFacts): string {
  return f.flow === "fh"
    ? "您好！贵司提交的专职人员激励（FH）季度付款申请已审核通过，请按以下信息开具发票。"
    : "您好！贵司提交的激励发放申请已完成申付处理，请按以下信息为本次激励开具发票。";
}

export function zhPlain(f: NoticeFacts, moneyStyle: "yen" | "fullwidth" | "yuan" = "yen"): string {
  const lines = [`尊敬的华为云合作伙伴（${f.partner}）：`, "", zhIntro(f), "", "【开票信息】"];
  for (const [k, v] of zhRows(f, moneyStyle)) lines.push(`${k}：${v}`);
  lines.push("", "【查看开票清单】", f.url, "");
  if (f.mailing) {
    lines.push("【发票邮寄地址】", `收件人：${f.mailing.recipient}`, `联系电话：${f.mailing.phone}`, `邮寄地址：${f.mailing.address}`, `邮政编码：${f.mailing.postcode}`, "");
  }
  if (f.mailbox) lines.push(`请将电子发票发送到公共邮箱：${f.mailbox}`, "");
  lines.push(`请在${f.deadline}之前完成开票。`, "", "华为云伙伴中心");
  return lines.join("\n");
}

export function zhHtml(f: NoticeFacts, layout: "table" | "paragraphs" | "columns", moneyStyle: "yen" | "fullwidth" | "yuan" = "yen"): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const rows = zhRows(f, moneyStyle);
  let info: string;
  if (layout === "table") {
    info = `<table border="1">${rows.map(([k, v]) => `<tr><td style="background:#eee">${esc(k)}</td><td><b>${esc(v)}</b></td></tr>`).join("\n")}</table>`;
  } else if (layout === "paragraphs") {
    info = rows.map(([k, v]) => `<p><strong>${esc(k)}：</strong><span>${esc(v)}</span></p>`).join("\n");
  } else {
    // header row of labels, one row of values
    info = `<table><thead><tr>${rows.map(([k]) => `<th>${esc(k)}</th>`).join("")}</tr></thead><tbody><tr>${rows.map(([, v]) => `<td>${esc(v)}</td>`).join("")}</tr></tbody></table>`;
  }
  const mailing = f.mailing
    ? `<h3>发票邮寄地址</h3><div>收件人：${esc(f.mailing.recipient)}</div><div>联系电话：${esc(f.mailing.phone)}</div><div>邮寄地址：${esc(f.mailing.address)}</div><div>邮政编码：${esc(f.mailing.postcode)}</div>`
    : "";
  const mailbox = f.mailbox ? `<p>请将电子发票发送到公共邮箱：<a href="mailto:${f.mailbox}">${f.mailbox}</a></p>` : "";
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>开票通知</title><style>td{padding:4px}</style></head><body>
<img src="cid:logo@huaweicloud" alt="华为云">
<p>尊敬的华为云合作伙伴（${esc(f.partner)}）：</p>
<p>${zhIntro(f)}</p>
${info}
<p><a href="${f.url.replace(/&/g, "&amp;")}">查看开票清单</a></p>
${mailing}${mailbox}
<p>请在<b>${f.deadline}</b>之前完成开票。</p>
<p style="color:#999">华为云伙伴中心</p></body></html>`;
}

/** The schema-v1 fields these facts should give (minus envelope fields). */
export function expectedFields(f: NoticeFacts) {
  return {
    partnerName: f.partner,
    applicationNo: f.applicationNo,
    amount: centsToDecimal(f.amountCents),
    amountExclTax: centsToDecimal(f.exclCents),
    taxAmount: centsToDecimal(f.taxCents),
    currency: "CNY",
    taxRate: (f.ratePercent / 100).toString(),
    invoiceType: /数电|电子/.test(f.invoiceTypeLabel) ? "vat-special-electronic" : "vat-special-paper",
    invoiceTypeLabel: f.invoiceTypeLabel,
    billingPeriod: f.period,
    mailingAddress: f.mailing,
    publicMailbox: f.mailbox,
    invoiceListUrl: f.url,
    huaweiEntity: f.entity,
    deadline: f.deadline,
  };
}

export function enPlain(o: { partner: string; intouch: string; amount: string; period: string; mailbox: string; url: string; deadline: string }): string {
  return [
    `Dear ${o.partner},`,
    "",
    "Your incentive payment request has been approved by HUAWEI CLOUD. Please issue an invoice",
    "for the amount below.",
    "",
    `  InTouch No.:          ${o.intouch}`,
    `  Settlement Period:    ${o.period}`,
    `  Invoice Amount:       ${o.amount}`,
    "  Invoice Currency:     USD",
    "  Bill To:              Huawei Services (Hong Kong) Co., Limited",
    "  Huawei VAT No.:       FIXTURE-HK-0000002",
    "",
    "View invoicing information:",
    o.url,
    "",
    `Send the invoice (PDF) and the signed form to: ${o.mailbox}`,
    `Please submit them no later than ${o.deadline}.`,
    "",
    "HUAWEI CLOUD Partner Center – café",
  ].join("\n");
}
