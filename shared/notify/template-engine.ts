/**
 * Message templates partners edit (issue 16.4): one YAML file per message and language
 * (`reminder.zh.yml`, `digest.en.yml`, `autorenew-report.zh.yml`, …) whose values are LiquidJS
 * templates. Liquid is logic-less enough that a partner cannot run code: no JavaScript, no file or
 * network access (includes resolve to an empty in-memory map), only our data, with parse/render/memory
 * limits and own properties only.
 *
 * Defaults ship in the repo (shared/notify/templates/*.yml, embedded in templates/defaults.ts so every
 * bundle has them); a stage can override any file from the config bucket. Every file is validated at
 * load: YAML syntax, exactly the expected keys, Liquid syntax, and a render of every key against sample
 * data of every phase with strict variables (a misspelt variable fails here, not in a customer's mail).
 * A broken override is refused with its file and line and the default is used instead; a render that
 * still fails at send time also falls back to the default — a reminder is never lost to a template.
 */
import { Liquid, type Template } from "liquidjs";
import { LineCounter, isMap, isScalar, parseDocument, type Node as YamlNode } from "yaml";
import type { Language } from "./contacts.ts";
import { DEFAULT_TEMPLATE_SOURCES } from "./templates/defaults.ts";

export const TEMPLATE_NAMES = ["reminder", "digest", "autorenew-report"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export const TEMPLATE_LANGUAGES = ["zh", "en"] as const satisfies readonly Language[];

/** Keys of each file; `labels` (reminder) is a map of plain-text snippets. */
const KEYS: Record<TemplateName, readonly string[]> = {
  reminder: ["subject", "title", "intro", "labels", "unknown_master", "days_left", "status", "heading", "next_step", "footer"],
  digest: ["subject", "title", "intro", "customer_heading", "footer"],
  "autorenew-report": ["subject", "title", "body", "footer"],
};
export const REMINDER_LABELS = ["master", "attached", "region", "expiry", "status", "next", "renew"] as const;

export const templateFileName = (name: TemplateName, lang: Language) => `${name}.${lang}.yml`;
export const TEMPLATE_FILES: readonly string[] = TEMPLATE_NAMES.flatMap((n) => TEMPLATE_LANGUAGES.map((l) => templateFileName(n, l)));

/** Largest template file accepted (an override is read from a bucket). */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

export interface TemplateProblem {
  file: string;
  /** 1-based line in the file. */
  line: number;
  message: string;
}

export class TemplateError extends Error {
  override name = "TemplateError";
  readonly problem: TemplateProblem;
  constructor(problem: TemplateProblem) {
    super(`${problem.file}:${problem.line}: ${problem.message}`);
    this.problem = problem;
  }
}

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {}, // {% include %} / {% render %} find nothing: no file system
  parseLimit: MAX_TEMPLATE_BYTES,
  renderLimit: 1000, // ms of rendering per call (a runaway loop; normal renders take well under 1 ms)
  memoryLimit: 4 * 1024 * 1024,
  greedy: true,
});

interface Snippet {
  templates: Template[];
  /** File line of the snippet's first line. */
  line: number;
}

export interface CompiledFile {
  file: string;
  snippets: ReadonlyMap<string, Snippet>;
}

/** Liquid error position (1-based line within the snippet), when the error carries one. */
function liquidLine(err: unknown): number | undefined {
  const m = /line:(\d+)/.exec((err as Error).message ?? "");
  return m ? Number(m[1]) : undefined;
}
const liquidMessage = (err: unknown) => ((err as Error).message ?? String(err)).replace(/, line:\d+, col:\d+.*$/s, "").slice(0, 300);

/** Parses and compiles one file; throws TemplateError (file, line) on any problem. */
export function compileTemplateFile(file: string, source: string): CompiledFile {
  const name = TEMPLATE_NAMES.find((n) => file === templateFileName(n, "zh") || file === templateFileName(n, "en"));
  if (!name) throw new TemplateError({ file, line: 1, message: `unknown template file (expected one of ${TEMPLATE_FILES.join(", ")})` });
  if (Buffer.byteLength(source) > MAX_TEMPLATE_BYTES) throw new TemplateError({ file, line: 1, message: `larger than ${MAX_TEMPLATE_BYTES} bytes` });
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) throw new TemplateError({ file, line: yamlError.linePos?.[0].line ?? 1, message: `YAML: ${yamlError.message.split("\n")[0]}` });
  if (!isMap(doc.contents)) throw new TemplateError({ file, line: 1, message: "expected a map of keys to templates" });

  const snippets = new Map<string, Snippet>();
  const lineOf = (node: YamlNode | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  const compile = (key: string, node: unknown, keyLine: number) => {
    if (!isScalar(node) || (typeof node.value !== "string" && typeof node.value !== "number")) {
      throw new TemplateError({ file, line: keyLine, message: `${key}: expected a text` });
    }
    const block = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED";
    const line = lineOf(node) + (block ? 1 : 0);
    try {
      snippets.set(key, { templates: liquid.parse(String(node.value)), line });
    } catch (err) {
      throw new TemplateError({ file, line: line + (liquidLine(err) ?? 1) - 1, message: `${key}: ${liquidMessage(err)}` });
    }
  };

  const seen = new Set<string>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const keyLine = lineOf(pair.key as YamlNode);
    if (!KEYS[name].includes(key)) throw new TemplateError({ file, line: keyLine, message: `unknown key "${key}" (expected ${KEYS[name].join(", ")})` });
    seen.add(key);
    if (key === "labels") {
      if (!isMap(pair.value)) throw new TemplateError({ file, line: keyLine, message: "labels: expected a map" });
      const labelSeen = new Set<string>();
      for (const lp of pair.value.items) {
        const lk = isScalar(lp.key) ? String(lp.key.value) : "";
        if (!(REMINDER_LABELS as readonly string[]).includes(lk)) throw new TemplateError({ file, line: lineOf(lp.key as YamlNode), message: `unknown label "${lk}" (expected ${REMINDER_LABELS.join(", ")})` });
        labelSeen.add(lk);
        compile(`labels.${lk}`, lp.value, lineOf(lp.key as YamlNode));
      }
      const missing = REMINDER_LABELS.filter((l) => !labelSeen.has(l));
      if (missing.length) throw new TemplateError({ file, line: keyLine, message: `labels: missing ${missing.join(", ")}` });
      continue;
    }
    compile(key, pair.value, keyLine);
  }
  const missing = KEYS[name].filter((k) => !seen.has(k));
  if (missing.length) throw new TemplateError({ file, line: 1, message: `missing key(s): ${missing.join(", ")}` });
  return { file, snippets };
}

/** Renders one snippet; throws TemplateError with the file line of a render error (e.g. an unknown variable). */
export function renderSnippet(compiled: CompiledFile, key: string, context: Record<string, unknown>): string {
  const s = compiled.snippets.get(key);
  if (!s) throw new TemplateError({ file: compiled.file, line: 1, message: `missing key ${key}` });
  try {
    return String(liquid.renderSync(s.templates, context)).trim();
  } catch (err) {
    throw new TemplateError({ file: compiled.file, line: s.line + (liquidLine(err) ?? 1) - 1, message: `${key}: ${liquidMessage(err)}` });
  }
}

/**
 * The templates in use: overrides that passed validation, defaults for the rest. `renderWith` renders
 * with a file and, if that throws, with the default of the same file (reported once through `onProblem`).
 */
export interface TemplateSet {
  file(name: TemplateName, lang: Language): CompiledFile;
  /** Runs `fn` with the file in use; on a TemplateError from an override, once more with the default. */
  renderWith<T>(name: TemplateName, lang: Language, fn: (file: CompiledFile) => T): T;
  /** Files taken from overrides. */
  readonly overridden: readonly string[];
}

let defaults: Map<string, CompiledFile> | undefined;
/** The shipped defaults, compiled once (a broken default is a bug: it throws). */
export function defaultTemplateFiles(): Map<string, CompiledFile> {
  defaults ??= new Map(TEMPLATE_FILES.map((f) => [f, compileTemplateFile(f, DEFAULT_TEMPLATE_SOURCES[f] ?? "")]));
  return defaults;
}

/**
 * Builds the set from override sources (file name → text). `validate(file)` renders the file against
 * sample data (see templates.ts `sampleRenders`); an override failing compile or validate is refused.
 */
export function buildTemplateSet(
  overrides: ReadonlyMap<string, string>,
  validate: (file: CompiledFile) => void,
  onProblem: (p: TemplateProblem) => void = () => {},
): TemplateSet {
  const base = defaultTemplateFiles();
  const used = new Map(base);
  const overridden: string[] = [];
  for (const [file, source] of overrides) {
    try {
      const compiled = compileTemplateFile(file, source);
      validate(compiled);
      used.set(file, compiled);
      overridden.push(file);
    } catch (err) {
      onProblem(err instanceof TemplateError ? err.problem : { file, line: 1, message: (err as Error).message });
    }
  }
  const reported = new Set<string>();
  return {
    overridden,
    file: (name, lang) => used.get(templateFileName(name, lang))!,
    renderWith(name, lang, fn) {
      const f = templateFileName(name, lang);
      const current = used.get(f)!;
      try {
        return fn(current);
      } catch (err) {
        if (!(err instanceof TemplateError) || current === base.get(f)) throw err;
        if (!reported.has(f)) {
          reported.add(f);
          onProblem(err.problem);
        }
        return fn(base.get(f)!);
      }
    },
  };
}
