/** Types of ops-plugin.js (plain JavaScript: osls loads local plugins with require()/import()). */
export interface Placeholder {
  name: string;
  why: string;
  test(value: string): boolean;
}
export declare const PLACEHOLDERS: readonly Placeholder[];
export declare const EXAMPLE_LAYER_ARN: string;
export declare const UNGUARDED_STAGES: readonly string[];
export declare function placeholderParams(input: {
  params: Record<string, Record<string, unknown> | undefined> | undefined;
  stage: string;
  cliParams?: string[] | string | undefined;
}): { name: string; value: string; why: string }[];
export declare function placeholderMessage(stage: string, found: { name: string; value: string; why: string }[]): string;
export declare function operationsResources(
  resources: Record<string, { Type: string; Properties?: Record<string, any> }>,
  options?: { topicLogicalId?: string; queueAgeSeconds?: number; region?: string; namespace?: string; dashboardName?: string },
): Record<string, { Type: string; Properties: Record<string, any> }>;
declare const OpsPlugin: new (serverless: unknown, options: unknown) => { hooks: Record<string, () => unknown> };
export default OpsPlugin;
