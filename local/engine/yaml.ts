/**
 * Parses serverless.yml, turning CloudFormation short-form tags (!Ref, !GetAtt, !Sub, …) into their
 * long JSON form ({ Ref }, { "Fn::GetAtt": [...] }, …) exactly as CloudFormation reads them. Pure.
 */
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from "yaml";

export class ServiceFileError extends Error {
  override name = "ServiceFileError";
}

type Tag = ScalarTag | CollectionTag;

function scalar(tag: string, build: (s: string) => unknown): ScalarTag {
  return { tag: `!${tag}`, resolve: (s: string) => build(s) as never };
}
function seq(tag: string, build: (v: unknown) => unknown): CollectionTag {
  return { tag: `!${tag}`, collection: "seq", resolve: (v) => build((v as YAMLSeq).toJSON()) as never };
}
function map(tag: string, build: (v: unknown) => unknown): CollectionTag {
  return { tag: `!${tag}`, collection: "map", resolve: (v) => build((v as YAMLMap).toJSON()) as never };
}

const fn = (name: string) => (v: unknown) => ({ [`Fn::${name}`]: v });

const tags: Tag[] = [
  scalar("Ref", (s) => ({ Ref: s })),
  scalar("Condition", (s) => ({ Condition: s })),
  scalar("GetAtt", (s) => {
    const dot = s.indexOf(".");
    if (dot <= 0) throw new ServiceFileError(`!GetAtt ${s}: expected Resource.Attribute`);
    return { "Fn::GetAtt": [s.slice(0, dot), s.slice(dot + 1)] };
  }),
  seq("GetAtt", fn("GetAtt")),
];
for (const name of ["Sub", "Base64", "GetAZs", "ImportValue"]) {
  tags.push(scalar(name, fn(name)), seq(name, fn(name)), map(name, fn(name)));
}
for (const name of ["Join", "Select", "Split", "If", "Equals", "Not", "And", "Or", "FindInMap", "Cidr", "Length", "ToJsonString"]) {
  tags.push(seq(name, fn(name)));
}
tags.push(map("ToJsonString", fn("ToJsonString")));

/** YAML text → plain JSON-like value. Throws ServiceFileError with the YAML error position. */
export function parseServiceYaml(text: string, fileName = "serverless.yml"): unknown {
  try {
    return parse(text, { customTags: tags, prettyErrors: true, merge: true, uniqueKeys: true });
  } catch (err) {
    throw new ServiceFileError(`${fileName}: ${(err as Error).message}`);
  }
}
