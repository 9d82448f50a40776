import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { type GherkinDocument, IdGenerator } from '@cucumber/messages';

// Feature files → scenarios with their steps and lines, the way cucumber itself reads them (the same Gherkin
// parser and pickle compiler), so a plan lists exactly the scenarios a run would execute: outlines expanded
// per example row, Background steps in front of each scenario.

export interface PlannedStep {
  keyword: string;
  text: string;
  /** Line of the step in the feature file. */
  line: number;
  /** The step's data table, each row with its line (cucumber hands it to the step as its last argument). */
  table?: { line: number; cells: string[] }[];
}

export interface PlannedScenario {
  uri: string;
  name: string;
  /** Line of the scenario, or of its example row for an outline. */
  line: number;
  tags: string[];
  steps: PlannedStep[];
}

export interface FeatureProblem {
  uri: string;
  line: number;
  message: string;
}

export interface ParsedFeatures {
  scenarios: PlannedScenario[];
  problems: FeatureProblem[];
}

/** Feature files under the given paths (files or directories), sorted; cucumber's default without any. */
export async function featureFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const roots = paths.length > 0 ? paths : ['features'];
  const found: string[] = [];
  for (const root of roots) {
    const absolute = resolve(cwd, root);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new Error(`${root}: no such file or directory (give feature files or directories)`);
    if (info.isFile()) found.push(absolute);
    else
      for (const entry of await readdir(absolute, { recursive: true }))
        if (entry.endsWith('.feature')) found.push(join(absolute, entry));
  }
  // Relative to the project as cucumber reports them; a file outside it keeps its absolute path.
  return [...new Set(found)]
    .sort()
    .map((file) => (relative(cwd, file).startsWith('..') ? file : relative(cwd, file)));
}

/** Parses and compiles every file; a file that does not parse is a problem at its line, not a crash. */
export async function parseFeatures(files: readonly string[], cwd: string): Promise<ParsedFeatures> {
  const scenarios: PlannedScenario[] = [];
  const problems: FeatureProblem[] = [];
  for (const uri of files) {
    const source = await readFile(resolve(cwd, uri), 'utf8');
    const newId = IdGenerator.incrementing();
    let document: GherkinDocument;
    try {
      document = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(source);
    } catch (error) {
      const errors = (error as { errors?: unknown[] }).errors ?? [error];
      for (const e of errors) {
        const located = e as { message?: string; location?: { line?: number } };
        problems.push({ uri, line: located.location?.line ?? 1, message: located.message ?? String(e) });
      }
      continue;
    }
    const lines = nodeLines(document);
    for (const pickle of compile(document, uri, newId)) {
      const row = pickle.astNodeIds[1];
      scenarios.push({
        uri,
        name: pickle.name,
        line: lines.get(row ?? pickle.astNodeIds[0] ?? '') ?? 1,
        tags: pickle.tags.map((t) => t.name),
        steps: pickle.steps.map((step) => {
          const rows = step.argument?.dataTable?.rows;
          const rowLines = lines.tableLines(step.astNodeIds[0] ?? '');
          return {
            keyword: lines.keyword(step.astNodeIds[0] ?? ''),
            text: step.text,
            line: lines.get(step.astNodeIds[0] ?? '') ?? 1,
            ...(rows
              ? {
                  table: rows.map((r, i) => ({ line: rowLines[i] ?? 1, cells: r.cells.map((c) => c.value) })),
                }
              : {}),
          };
        }),
      });
    }
  }
  return { scenarios, problems };
}

/** Line (and step keyword) of every scenario, step and example row of a document, by AST node id. */
function nodeLines(document: GherkinDocument) {
  const lines = new Map<string, number>();
  const keywords = new Map<string, string>();
  const tables = new Map<string, number[]>();
  type Child = NonNullable<GherkinDocument['feature']>['children'][number];
  const visit = (children: readonly Child[]) => {
    for (const child of children) {
      const holder = child.scenario ?? child.background;
      if (holder) {
        lines.set(holder.id, holder.location.line);
        for (const step of holder.steps) {
          lines.set(step.id, step.location.line);
          keywords.set(step.id, step.keyword.trim());
          if (step.dataTable)
            tables.set(
              step.id,
              step.dataTable.rows.map((r) => r.location.line),
            );
        }
      }
      for (const examples of child.scenario?.examples ?? [])
        for (const row of examples.tableBody) lines.set(row.id, row.location.line);
      if (child.rule) visit(child.rule.children as readonly Child[]);
    }
  };
  visit(document.feature?.children ?? []);
  return {
    get: (id: string) => lines.get(id),
    keyword: (id: string) => keywords.get(id) ?? '*',
    tableLines: (id: string) => tables.get(id) ?? [],
  };
}
