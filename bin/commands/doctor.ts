// `faultline doctor`: each prerequisite of each backend — found, with version and path, or missing, with
// exactly how to get it — and whether the backend a run would use (or the one named) can run here.
// Exit 0 when it can, 1 when it cannot, 2 on usage errors.

import { type Diagnosis, diagnose } from '../../support/env/doctor.ts';
import type { Finding } from '../../support/env/prerequisites.mjs';
import { flagsOr, readFlags } from './flags.ts';

const help = `usage: faultline doctor [--backend local|containers] [--json]

  Checks every prerequisite per backend (local: Node, redis-server, PostgreSQL, setpriv; containers: a
  container engine, static busybox, the docker CLI; reports: chromium) and says for each where it was found
  and which version, or how to get it.

  --backend  the backend to judge (default: FAULTLINE_BACKEND, else the one a run would choose: containers
             when an engine answers, local otherwise)
  --json     the diagnosis as JSON on stdout
  exit code  0 when the backend is usable, 1 when a required prerequisite is missing, 2 on usage errors
`;

const OPTIONS = {
  backend: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function line(f: Finding): string {
  const mark = f.ok ? 'ok      ' : f.required ? 'MISSING ' : 'optional';
  if (f.ok) return `  ${mark} ${f.name}${f.version ? ` ${f.version}` : ''}${f.path ? `  ${f.path}` : ''}`;
  return `  ${mark} ${f.name}: ${f.problem}\n             why: ${f.why}\n             fix: ${f.fix}`;
}

function render(diagnosis: Diagnosis): string {
  const sections = (['local', 'containers', 'reports'] as const).map((backend) => {
    const title =
      backend === 'reports'
        ? 'reports (optional)'
        : `${backend} backend${backend === diagnosis.backend ? ' (selected)' : ''}`;
    const rows = diagnosis.findings.filter((f) => f.backend === backend).map(line);
    return `${title}\n${rows.join('\n')}`;
  });
  const verdict = diagnosis.usable
    ? `the ${diagnosis.backend} backend is usable (${diagnosis.chosenBy})`
    : `the ${diagnosis.backend} backend is NOT usable (${diagnosis.chosenBy}): fix the MISSING lines above` +
      (diagnosis.backend === 'local' ? ', or run `npx faultline install --with-deps` as root' : '');
  return `${sections.join('\n\n')}\n\n${verdict}\n`;
}

export const command = {
  async run(argv: string[]): Promise<number> {
    const flags = flagsOr('doctor', help, () =>
      readFlags(argv, OPTIONS, '--backend local|containers, --json, --help'),
    );
    if (typeof flags === 'number') return flags;
    let diagnosis: Diagnosis;
    try {
      diagnosis = await diagnose(flags.backend);
    } catch (error) {
      process.stderr.write(`faultline doctor: ${(error as Error).message}\n`);
      return 2;
    }
    process.stdout.write(flags.json ? `${JSON.stringify(diagnosis, null, 2)}\n` : render(diagnosis));
    return diagnosis.usable ? 0 : 1;
  },
};
