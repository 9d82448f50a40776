// `faultline export chaostoolkit [features…] [--out DIR]`: every scenario as a Chaos Toolkit experiment
// (support/export/chaostoolkit.ts), one JSON file each, for teams who run their experiments with Chaos
// Toolkit against a game day (`faultline up`). The steps no experiment can carry are listed per scenario.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const help = `usage: faultline export chaostoolkit [features or directories …] [--out DIR] [--command "npx faultline"]

  Writes each scenario as a Chaos Toolkit experiment (DIR/<feature>-L<line>-<scenario>.json, default
  DIR: chaostoolkit/): its steady-state steps as the hypothesis (\`faultline status --steady-state\`), its
  network faults as chaostoolkit-toxiproxy actions against faultline's fault proxy (configuration
  toxiproxy_host / toxiproxy_port from FAULTLINE_PROXY_HOST / FAULTLINE_PROXY_PORT, which \`faultline up\`
  prints), every other fault as a process action \`faultline fault "<step>"\`, each with its rollback,
  waits and durations as pauses. Run one against \`npx faultline up\`: chaos run <file>.
  Steps with no Chaos Toolkit equivalent (load, verdicts, abort conditions, seeded draws) are listed.

  --out       the directory to write into (created; default chaostoolkit)
  --command   how the experiments run faultline (default "npx faultline")
  --profile   the cucumber.js profile whose step definitions to load
  exit code   0 written (steps not exported are listed on stderr), 1 a feature did not parse or a step did
              not match, 2 on usage errors
`;

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

/** The feature's name and description, as Gherkin writes them under `Feature:`. */
function featureOf(file: string): { name: string; description: string } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\s*Feature:/.test(l));
  if (at < 0) return { name: file, description: '' };
  const description: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (/^\s*(?:@|Background:|Scenario|Rule:|Example)/.test(line) || line.trim() === '') break;
    description.push(line.trim());
  }
  return { name: lines[at]!.replace(/^\s*Feature:\s*/, '').trim(), description: description.join(' ') };
}

export const command = {
  async run(argv: string[]): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      process.stderr.write(`faultline export: ${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if (parsed.values.help) {
      process.stdout.write(help);
      return 0;
    }
    const [format, ...paths] = parsed.positionals;
    if (format !== 'chaostoolkit') {
      process.stderr.write(
        `faultline export: ${format === undefined ? 'no format given' : `'${format}' is not a format`}; accepted: chaostoolkit\n\n${help}`,
      );
      return 2;
    }
    const commandLine = (parsed.values.command ?? 'npx faultline').trim().split(/\s+/);
    const cwd = process.cwd();
    const { featureFiles, parseFeatures } = await import('../../support/plan/features.ts');
    const { loadStepDefinitions, profileSystem } = await import('../../support/plan/steps.ts');
    const { planSystem } = await import('../../support/plan/system.ts');
    const { exportScenario } = await import('../../support/export/chaostoolkit.ts');
    let files: string[];
    try {
      files = await featureFiles(paths, cwd);
    } catch (error) {
      process.stderr.write(`faultline export: ${(error as Error).message}\n`);
      return 2;
    }
    const [features, definitions] = await Promise.all([
      parseFeatures(files, cwd),
      loadStepDefinitions(cwd, parsed.values.profile),
    ]);
    let system: Awaited<ReturnType<typeof planSystem>> | undefined;
    try {
      system = await planSystem(cwd, await profileSystem(cwd, parsed.values.profile));
    } catch (error) {
      process.stderr.write(
        `faultline export: the system could not be loaded, so network faults cannot name their links: ${(error as Error).message}\n`,
      );
      return 1;
    }
    let failed = features.problems.length > 0;
    for (const p of features.problems) process.stderr.write(`${p.uri}:${p.line}: ${p.message}\n`);
    const out = resolve(cwd, parsed.values.out ?? 'chaostoolkit');
    mkdirSync(out, { recursive: true });
    for (const scenario of features.scenarios) {
      const exported = await exportScenario(
        scenario,
        featureOf(resolve(cwd, scenario.uri)),
        definitions,
        system,
        { command: commandLine },
      );
      const stem = scenario.uri.replace(/^.*\//, '').replace(/\.feature$/, '');
      const file = join(out, `${stem}-L${scenario.line}-${slug(scenario.name)}.json`);
      writeFileSync(file, `${JSON.stringify(exported.experiment, null, 2)}\n`);
      const shown = relative(cwd, file).startsWith('..') ? file : relative(cwd, file);
      const faults = exported.experiment.method.length;
      process.stdout.write(
        `${shown}: ${scenario.name} (${faults} activities, ${exported.experiment.rollbacks.length} rollbacks)\n`,
      );
      for (const n of exported.notExported) {
        if (n.kind === 'unknown') failed = true;
        process.stderr.write(`  not exported: ${scenario.uri}:${n.line} ${n.step} — ${n.why}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        command: { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; accepted: --out <dir>, --command "<program …>", --profile <name>, --help`,
    );
  }
}
