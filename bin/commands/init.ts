// `faultline init [--dir path] [--force] [--from-compose file]`: sets a project up for chaos experiments —
// cucumber profiles that load faultline's steps, a faultline.config.ts (a small working example system, or a
// draft from a Docker Compose file), example features and editor settings. Files that exist are kept
// unless --force; the output says what was written, what was kept, and the command to run next.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { flagsOr, readFlags } from './flags.ts';
import { type ComposeDraft, ComposeError, draftFromCompose } from './init/compose.ts';
import { type PlannedFile, planFiles, type ScaffoldResult, scaffold } from './init/scaffold.ts';

const help = `usage: faultline init [--dir path] [--force] [--from-compose docker-compose.yml]

  Writes into the project directory (default: the current one):
    cucumber.js                 profiles default, ci and smoke, with faultline's steps and reports
    faultline.config.ts         the system under test: a small working example (an api in front of a
                                backend, services/*.mjs), or a draft from a Compose file
    features/support/faultline.mjs   loads faultline's steps into cucumber
    features/…                  one example experiment per family: network, latency, process, load
    .vscode/settings.json       where the Cucumber extension finds features and steps
  A file that exists is kept (and listed); --force overwrites it.

  --dir           the project directory (created if missing)
  --force         overwrite existing files
  --from-compose  draft faultline.config.ts from a Docker Compose file's services instead of the example
  exit code       0 when every file is in place (written or kept), 1 on an error, 2 on usage errors
`;

/** A first feature for a drafted system: it only asks the system to come up and answer. */
function draftFeature(draft: ComposeDraft): PlannedFile {
  const [first] = draft.links;
  const suggestion = first
    ? `\n  # Next: a fault on one of its links, e.g.\n  #   When the network between the ${first.from} and the ${first.to} is partitioned for 5 seconds\n`
    : '';
  return {
    path: 'features/system.feature',
    content: `Feature: The ${draft.system} system comes up and answers
  Every service starts, becomes ready, and answers through every link into it.
${suggestion}
  @smoke
  Scenario: Steady state
    Given the system is running
`,
  };
}

function report(result: ScaffoldResult, dir: string, draft: ComposeDraft | undefined): string {
  const where = relative(process.cwd(), dir) || '.';
  const lines: string[] = [];
  for (const path of result.written) lines.push(`  wrote  ${path}`);
  for (const { path, instead } of result.kept)
    lines.push(
      `  kept   ${path}${path === instead ? '' : ` (instead of ${instead})`}: it exists; --force overwrites`,
    );
  for (const path of result.skipped) lines.push(`  skipped ${path}`);
  if (draft) {
    lines.push('', `Drafted system '${draft.system}' from the Compose file:`);
    for (const s of draft.services) lines.push(`  ${s.kind.padEnd(9)} ${s.name}`);
    for (const l of draft.links) lines.push(`  link      ${l.from} → ${l.to} (through the fault proxy)`);
    if (draft.notes.length > 0) {
      lines.push('', 'To check (also comments beside each service in the config):');
      for (const n of draft.notes) lines.push(`  - ${n}`);
    }
  }
  if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `note: ${n}`));
  const steps = [
    ...(where === '.' ? [] : [`cd ${where.startsWith('..') ? dir : where}`]),
    // @cucumber/cucumber is faultline's peer: named, so npx finds its cucumber-js command.
    ...(existsSync(resolve(dir, 'node_modules', 'faultline'))
      ? []
      : ['npm install --save-dev faultline @cucumber/cucumber']),
    'npx cucumber-js',
  ];
  lines.push(
    '',
    draft ? 'Next: fill in the TODOs of the drafted config, then' : 'Next: run the example experiments',
    ...steps.map((s) => `  ${s}`),
  );
  return `${lines.join('\n')}\n`;
}

export const command = {
  async run(argv: string[]): Promise<number> {
    const values = flagsOr('init', help, () =>
      readFlags(
        argv,
        {
          dir: { type: 'string' },
          force: { type: 'boolean' },
          'from-compose': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        '--dir <path>, --force, --from-compose <file>, --help',
      ),
    );
    if (typeof values === 'number') return values;
    const dir = resolve(values.dir ?? '.');
    try {
      await mkdir(dir, { recursive: true });
      let draft: ComposeDraft | undefined;
      const composeFile = values['from-compose'];
      if (composeFile !== undefined) {
        const file = resolve(composeFile);
        if (!existsSync(file))
          throw new ComposeError(`--from-compose ${composeFile}: no such file (${file})`);
        draft = draftFromCompose(await readFile(file, 'utf8'), {
          file: composeFile,
          path: file,
          configDir: dir,
        });
      }
      const planned = await planFiles({
        dir,
        config: draft && { content: draft.source, features: [draftFeature(draft)] },
      });
      const result = await scaffold(dir, planned, values.force === true);
      process.stdout.write(report(result, dir, draft));
      return 0;
    } catch (error) {
      process.stderr.write(`faultline init: ${(error as Error).message}\n`);
      return 1;
    }
  },
};
