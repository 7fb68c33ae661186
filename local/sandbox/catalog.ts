/**
 * Static product data for the sandbox: cloud service types, resource types, incentive
 * policies, and the product kinds the generator builds resources from (specs and list prices).
 *
 * Codes: `hws.service.type.ec2/ebs/vpc/obs` and `hws.resource.type.vm/volume/ip/bandwidth` are the
 * documented style; the RDS/OBS-package/DCS/CBR resource-type codes follow the same pattern but
 * were not confirmed against a live catalogue (marked below). Prices are made up, deterministic,
 * and only meant to be plausible (yuan, pre-discount).
 */

export type Lang = "zh_CN" | "en_US";

export interface ServiceType {
  code: string;
  name: Record<Lang, string>;
  abbreviation: string;
}

export const serviceTypes: readonly ServiceType[] = [
  { code: "hws.service.type.ec2", name: { zh_CN: "弹性云服务器", en_US: "Elastic Cloud Server" }, abbreviation: "ECS" },
  { code: "hws.service.type.ebs", name: { zh_CN: "云硬盘", en_US: "Elastic Volume Service" }, abbreviation: "EVS" },
  { code: "hws.service.type.vpc", name: { zh_CN: "虚拟私有云", en_US: "Virtual Private Cloud" }, abbreviation: "VPC" },
  { code: "hws.service.type.rds", name: { zh_CN: "云数据库RDS", en_US: "Relational Database Service" }, abbreviation: "RDS" },
  { code: "hws.service.type.obs", name: { zh_CN: "对象存储服务", en_US: "Object Storage Service" }, abbreviation: "OBS" },
  { code: "hws.service.type.dcs", name: { zh_CN: "分布式缓存服务", en_US: "Distributed Cache Service" }, abbreviation: "DCS" },
  { code: "hws.service.type.cbr", name: { zh_CN: "云备份", en_US: "Cloud Backup and Recovery" }, abbreviation: "CBR" },
];

export interface ResourceType {
  code: string;
  serviceType: string;
  name: Record<Lang, string>;
  desc: Record<Lang, string>;
}

export const resourceTypes: readonly ResourceType[] = [
  { code: "hws.resource.type.vm", serviceType: "hws.service.type.ec2", name: { zh_CN: "云主机", en_US: "ECS" }, desc: { zh_CN: "弹性云服务器实例", en_US: "Elastic Cloud Server instance" } },
  { code: "hws.resource.type.volume", serviceType: "hws.service.type.ebs", name: { zh_CN: "云硬盘", en_US: "EVS disk" }, desc: { zh_CN: "云硬盘", en_US: "Elastic Volume Service disk" } },
  { code: "hws.resource.type.ip", serviceType: "hws.service.type.vpc", name: { zh_CN: "弹性公网IP", en_US: "EIP" }, desc: { zh_CN: "弹性公网IP", en_US: "Elastic IP address" } },
  { code: "hws.resource.type.bandwidth", serviceType: "hws.service.type.vpc", name: { zh_CN: "带宽", en_US: "Bandwidth" }, desc: { zh_CN: "公网带宽", en_US: "Public bandwidth" } },
  // The following four codes follow the documented naming pattern (unconfirmed).
  { code: "hws.resource.type.rds.vm", serviceType: "hws.service.type.rds", name: { zh_CN: "云数据库实例", en_US: "DB instance" }, desc: { zh_CN: "云数据库RDS实例", en_US: "RDS DB instance" } },
  { code: "hws.resource.type.obs.package", serviceType: "hws.service.type.obs", name: { zh_CN: "OBS资源包", en_US: "OBS package" }, desc: { zh_CN: "对象存储标准存储包", en_US: "OBS standard storage package" } },
  { code: "hws.resource.type.dcs", serviceType: "hws.service.type.dcs", name: { zh_CN: "缓存实例", en_US: "DCS instance" }, desc: { zh_CN: "分布式缓存实例", en_US: "Distributed cache instance" } },
  { code: "hws.resource.type.cbr.vault", serviceType: "hws.service.type.cbr", name: { zh_CN: "备份存储库", en_US: "Backup vault" }, desc: { zh_CN: "云备份存储库", en_US: "CBR vault" } },
];

export const serviceTypeByCode = new Map(serviceTypes.map((s) => [s.code, s]));
export const resourceTypeByCode = new Map(resourceTypes.map((r) => [r.code, r]));

/** ListIncentiveDiscountPolicies data: `incentive_policy` and `allow_discount` are strings. */
export const incentivePolicies: readonly { serviceType: string; incentivePolicy: "0" | "1" | "2" | "13"; allowDiscount: "YES" | "NO" }[] = [
  { serviceType: "hws.service.type.ec2", incentivePolicy: "0", allowDiscount: "YES" },
  { serviceType: "hws.service.type.ebs", incentivePolicy: "0", allowDiscount: "YES" },
  { serviceType: "hws.service.type.vpc", incentivePolicy: "0", allowDiscount: "YES" },
  { serviceType: "hws.service.type.rds", incentivePolicy: "1", allowDiscount: "YES" },
  { serviceType: "hws.service.type.obs", incentivePolicy: "13", allowDiscount: "NO" },
  { serviceType: "hws.service.type.dcs", incentivePolicy: "2", allowDiscount: "NO" },
  { serviceType: "hws.service.type.cbr", incentivePolicy: "0", allowDiscount: "YES" },
];

export const regions: readonly string[] = ["cn-north-4", "cn-east-3", "cn-south-1", "cn-southwest-2", "ap-southeast-1"];

/** A sellable spec of a product kind. `monthly` is the list price per month (per unit when sized). */
export interface Spec {
  code: string;
  desc: Record<Lang, string>;
  monthly: number;
  /** Sized products: price is per unit of size. */
  perUnit?: boolean;
}

export type KindName = "vm" | "volume" | "ip" | "bandwidth" | "sharedBandwidth" | "rds" | "obsPackage" | "dcs" | "cbr";

export interface ProductKind {
  kind: KindName;
  resourceType: string;
  namePrefix: string;
  specs: readonly Spec[];
  /** Size range and unit (measure id) when the product is sized. */
  size?: { min: number; max: number; step: number; measureId: number };
  /** Period types the product can be renewed with (2 month, 3 year). */
  periods: readonly (2 | 3)[];
}

// spec_size_measure_id values: 17 = GB, 15 = Mbit/s (BSS measurement-unit ids; unconfirmed).
export const kinds: Record<KindName, ProductKind> = {
  vm: {
    kind: "vm",
    resourceType: "hws.resource.type.vm",
    namePrefix: "ecs",
    specs: [
      { code: "s6.large.2.linux", desc: { zh_CN: "通用计算型 | s6.large.2 | 2vCPUs | 4GiB | Linux", en_US: "General computing | s6.large.2 | 2 vCPUs | 4 GiB | Linux" }, monthly: 122.4 },
      { code: "s6.xlarge.2.linux", desc: { zh_CN: "通用计算型 | s6.xlarge.2 | 4vCPUs | 8GiB | Linux", en_US: "General computing | s6.xlarge.2 | 4 vCPUs | 8 GiB | Linux" }, monthly: 244.8 },
      { code: "c7.2xlarge.2.linux", desc: { zh_CN: "计算增强型 | c7.2xlarge.2 | 8vCPUs | 16GiB | Linux", en_US: "Compute-intensive | c7.2xlarge.2 | 8 vCPUs | 16 GiB | Linux" }, monthly: 589.6 },
      { code: "s6.large.2.win", desc: { zh_CN: "通用计算型 | s6.large.2 | 2vCPUs | 4GiB | Windows", en_US: "General computing | s6.large.2 | 2 vCPUs | 4 GiB | Windows" }, monthly: 182.4 },
    ],
    periods: [2, 3],
  },
  volume: {
    kind: "volume",
    resourceType: "hws.resource.type.volume",
    namePrefix: "evs",
    specs: [
      { code: "SAS", desc: { zh_CN: "高IO", en_US: "High I/O" }, monthly: 0.35, perUnit: true },
      { code: "SSD", desc: { zh_CN: "超高IO", en_US: "Ultra-high I/O" }, monthly: 1, perUnit: true },
      { code: "GPSSD", desc: { zh_CN: "通用型SSD", en_US: "General Purpose SSD" }, monthly: 0.7, perUnit: true },
    ],
    size: { min: 40, max: 1000, step: 10, measureId: 17 },
    periods: [2, 3],
  },
  ip: {
    kind: "ip",
    resourceType: "hws.resource.type.ip",
    namePrefix: "eip",
    specs: [{ code: "5_bgp", desc: { zh_CN: "全动态BGP", en_US: "Dynamic BGP" }, monthly: 20 }],
    periods: [2, 3],
  },
  bandwidth: {
    kind: "bandwidth",
    resourceType: "hws.resource.type.bandwidth",
    namePrefix: "bandwidth",
    specs: [{ code: "19_bgp", desc: { zh_CN: "独享带宽 | 全动态BGP", en_US: "Dedicated bandwidth | Dynamic BGP" }, monthly: 23, perUnit: true }],
    size: { min: 1, max: 20, step: 1, measureId: 15 },
    periods: [2, 3],
  },
  sharedBandwidth: {
    kind: "sharedBandwidth",
    resourceType: "hws.resource.type.bandwidth",
    namePrefix: "sharebw",
    specs: [{ code: "19_share", desc: { zh_CN: "共享带宽 | 全动态BGP", en_US: "Shared bandwidth | Dynamic BGP" }, monthly: 28, perUnit: true }],
    size: { min: 5, max: 200, step: 5, measureId: 15 },
    periods: [2, 3],
  },
  rds: {
    kind: "rds",
    resourceType: "hws.resource.type.rds.vm",
    namePrefix: "rds",
    specs: [
      { code: "rds.mysql.n1.large.2", desc: { zh_CN: "MySQL 8.0 | 单机 | 2vCPUs | 4GB", en_US: "MySQL 8.0 | Single | 2 vCPUs | 4 GB" }, monthly: 396 },
      { code: "rds.pg.n1.xlarge.2.ha", desc: { zh_CN: "PostgreSQL 14 | 主备 | 4vCPUs | 8GB", en_US: "PostgreSQL 14 | Primary/standby | 4 vCPUs | 8 GB" }, monthly: 1420 },
    ],
    periods: [2, 3],
  },
  obsPackage: {
    kind: "obsPackage",
    resourceType: "hws.resource.type.obs.package",
    namePrefix: "obs-pkg",
    specs: [
      { code: "obs.pkg.standard.500GB", desc: { zh_CN: "标准存储包 | 500GB | 中国大陆通用", en_US: "Standard storage package | 500 GB | Chinese mainland" }, monthly: 9.9 },
      { code: "obs.pkg.standard.1TB", desc: { zh_CN: "标准存储包 | 1TB | 中国大陆通用", en_US: "Standard storage package | 1 TB | Chinese mainland" }, monthly: 18.5 },
    ],
    // Resource packages are sold by the year: a monthly renewal is an invalid period (CBC.30010069).
    periods: [3],
  },
  dcs: {
    kind: "dcs",
    resourceType: "hws.resource.type.dcs",
    namePrefix: "dcs",
    specs: [{ code: "redis.ha.xu1.large.r2.2", desc: { zh_CN: "Redis 6.0 | 主备 | 2GB", en_US: "Redis 6.0 | Master/standby | 2 GB" }, monthly: 220 }],
    periods: [2, 3],
  },
  cbr: {
    kind: "cbr",
    resourceType: "hws.resource.type.cbr.vault",
    namePrefix: "vault",
    specs: [{ code: "vault.backup.server.normal", desc: { zh_CN: "云服务器备份存储库", en_US: "Server backup vault" }, monthly: 0.2, perUnit: true }],
    size: { min: 100, max: 2000, step: 100, measureId: 17 },
    periods: [2, 3],
  },
};

/** Yearly list price = 10 × the monthly price per year (a common yearly/monthly ratio; illustrative). */
export function listPrice(monthly: number, size: number | undefined, periodType: 2 | 3, periodNum: number): number {
  const perMonth = size === undefined ? monthly : monthly * size;
  const months = periodType === 2 ? periodNum : periodNum * 10;
  return Math.round(perMonth * months * 100) / 100;
}
