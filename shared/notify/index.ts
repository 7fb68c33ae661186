export * from "./csv.ts";
export * from "./contacts.ts";
export * from "./templates.ts";
export * from "./digest.ts";
export * from "./channels.ts";
