export * from "./calendar.ts";
export * from "./config.ts";
export * from "./grouping.ts";
export * from "./decision.ts";
