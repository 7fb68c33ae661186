/**
 * Which documents an application needs, in the order BSS expects them in `verified_file_url`
 * (reference bss-api.md §8 and §10.1).
 */

export const DOCUMENT_ROLES = [
  "company_certificate",
  "legal_person_id_portrait",
  "legal_person_id_emblem",
  "passport_bio_page",
  "passport_entry_stamp_page",
  "passport_handheld_bio_page",
  "permit_front",
  "permit_back",
  "permit_handheld_front",
  "face_photo",
] as const;
export type DocumentRole = (typeof DOCUMENT_ROLES)[number];

export const DOCUMENT_ROLE_LABELS: Readonly<Record<DocumentRole, string>> = {
  company_certificate: "company certificate (e.g. business licence)",
  legal_person_id_portrait: "legal person's ID card, portrait side (人像面)",
  legal_person_id_emblem: "legal person's ID card, national-emblem side (国徽面)",
  passport_bio_page: "passport bio-data page",
  passport_entry_stamp_page: "passport entry-stamp page",
  passport_handheld_bio_page: "photo holding the passport bio-data page",
  permit_front: "permit front (portrait side)",
  permit_back: "permit back (emblem side)",
  permit_handheld_front: "photo holding the permit's portrait side",
  face_photo: "face photo",
};

/** `verified_type` of the individual certificate method: 3 passport, 5 HK/Macao travel permit, 6 Taiwan travel permit, 9 HK/Macao residence permit, 10 Taiwan residence permit. */
export const VERIFIED_TYPES = [3, 5, 6, 9, 10] as const;
export type VerifiedType = (typeof VERIFIED_TYPES)[number];

/**
 * The Huawei Cloud site the partner works on (configuration HWC_SITE): "cn" China site
 * (bss.myhuaweicloud.com) or "intl" international site (bss-intl). The document rules differ
 * (reference bss-contract.md, CreatePersonalRealnameAuth): on the international site a passport takes
 * 2 files (bio-data page, then the photo holding it) and there is no bank-card scheme (identify_type 4).
 */
export const HWC_SITES = ["cn", "intl"] as const;
export type HwcSite = (typeof HWC_SITES)[number];

/** The minimum an application must say to know its documents. */
export type DocumentSelector =
  | { type: "enterprise" | "change"; enterprise_person?: unknown }
  | { type: "individual"; identify_type: 0; verified_type: VerifiedType }
  | { type: "individual"; identify_type: 4 };

/**
 * The document roles the application needs on `site`, in BSS order. An individual bank-card
 * application (identify_type 4) does not exist on the international site: validateApplication
 * refuses it there; asking here throws a RangeError.
 */
export function requiredDocuments(application: DocumentSelector, site: HwcSite = "cn"): DocumentRole[] {
  if (application.type !== "individual") {
    return application.enterprise_person === undefined
      ? ["company_certificate"]
      : ["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"];
  }
  if (application.identify_type === 4) {
    if (site === "intl") throw new RangeError("the international site has no bank-card scheme (identify_type 4)");
    return ["face_photo"];
  }
  if (application.verified_type === 3) {
    return site === "intl" ? ["passport_bio_page", "passport_handheld_bio_page"] : ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"];
  }
  return ["permit_front", "permit_back", "permit_handheld_front"];
}
