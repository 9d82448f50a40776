// `faultline install [--with-deps] [--backend local|containers|all]`: prepare this machine for runs, as
// `npx playwright install --with-deps` does for browsers (support/env/install.ts). Idempotent: what is
// there is left alone. Exit 0 when the backend is ready, 1 when something is still missing, 2 on usage errors.

import { type InstallTarget, install } from '../../support/env/install.ts';
import { flagsOr, readFlags } from './flags.ts';

const help = `usage: faultline install [--with-deps] [--backend local|containers|all]

  Checks what the backend needs and prepares what needs no root: the PostgreSQL template cluster the local
  backend copies for every scenario (built once into the cache). What is missing is listed with the exact
  command that installs it.

  --with-deps  also install the missing system packages with apt-get (needs root):
                 local       redis-server, postgresql (util-linux for setpriv)
                 containers  docker.io (engine and CLI), busybox-static (the offline images)
  --backend    local (default), containers, or all
  exit code    0 when ready, 1 when something is still missing, 2 on usage errors
`;

const TARGETS: Record<string, InstallTarget[]> = {
  local: ['local'],
  containers: ['containers'],
  all: ['local', 'containers'],
};

function parse(argv: string[]) {
  const values = readFlags(
    argv,
    { 'with-deps': { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    '--with-deps, --backend local|containers|all, --help',
  );
  const targets = TARGETS[values.backend ?? 'local'];
  if (!targets) throw new Error(`--backend ${values.backend} is not valid; accepted: local, containers, all`);
  return { withDeps: values['with-deps'] === true, targets, help: values.help === true };
}

export const command = {
  async run(argv: string[]): Promise<number> {
    const flags = flagsOr('install', help, () => parse(argv));
    if (typeof flags === 'number') return flags;
    const say = (line: string) => process.stdout.write(`install: ${line}\n`);
    const report = await install({ targets: flags.targets, withDeps: flags.withDeps, say });
    const installed = report.steps.filter((s) => s.outcome === 'installed' || s.outcome === 'prepared');
    say(
      report.ok
        ? installed.length === 0
          ? 'ready: everything was already in place, nothing installed'
          : `ready: ${installed.map((s) => s.what).join(', ')} set up now`
        : 'not ready: see the missing lines above',
    );
    return report.ok ? 0 : 1;
  },
};
