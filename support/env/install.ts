// `faultline install`: what `npm run setup` does for a checkout, for a project that installed faultline as a
// package. It checks the chosen backend's prerequisites (./prerequisites.mjs), installs the missing ones
// with apt-get when asked to (--with-deps, as root: ./apt.mjs, shared with setup), and prepares what needs
// no root: the PostgreSQL template cluster every local scenario copies instead of running initdb. Each step
// looks before it acts, so a second run finds everything done and changes nothing.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { aptCommand, aptInstall, canInstallWithApt } from './apt.mjs';
import { checkPrerequisites, type Finding } from './prerequisites.mjs';

export type InstallTarget = 'local' | 'containers';

/**
 * What a target installs with --with-deps. The local backend's required servers; for containers, the
 * engine (docker.io: daemon and CLI) and the static busybox the offline images need — offline images are
 * the fallback, but a machine set up for containers should not fail the day the registry is unreachable.
 */
function wanted(finding: Finding, target: InstallTarget): boolean {
  if (finding.backend !== target || finding.ok || finding.apt === undefined) return false;
  return finding.required || target === 'containers';
}

export interface InstallStep {
  what: string;
  /** done: was already there; installed/prepared: this run did it; missing: still to do (with how). */
  outcome: 'done' | 'installed' | 'prepared' | 'missing' | 'failed';
  detail: string;
}

export interface InstallReport {
  steps: InstallStep[];
  ok: boolean;
}

export async function install(options: {
  targets: InstallTarget[];
  withDeps: boolean;
  say: (line: string) => void;
}): Promise<InstallReport> {
  const steps: InstallStep[] = [];
  const record = (step: InstallStep) => {
    steps.push(step);
    options.say(`${step.outcome.padEnd(9)} ${step.what}: ${step.detail}`);
  };
  // The engine only Testcontainers can ask about, and only when the containers backend is wanted.
  const check = async () => {
    const found = checkPrerequisites();
    if (options.targets.includes('containers')) {
      const { engineFinding } = await import('./doctor.ts');
      found.push(await engineFinding());
    }
    return found;
  };
  let findings = await check();
  const missing = () => findings.filter((f) => options.targets.some((t) => wanted(f, t)));
  const packages = () => [...new Set(missing().flatMap((f) => f.apt ?? []))];

  for (const f of findings)
    if (f.ok && options.targets.includes(f.backend as InstallTarget))
      record({
        what: f.name,
        outcome: 'done',
        detail: `found${f.version ? ` ${f.version}` : ''}${f.path ? ` at ${f.path}` : ''}`,
      });

  const before = missing();
  if (before.length > 0 && options.withDeps && canInstallWithApt()) {
    const names = packages();
    options.say(`installing with apt-get: ${names.join(' ')}`);
    try {
      aptInstall(names);
    } catch (error) {
      record({ what: names.join(' '), outcome: 'failed', detail: (error as Error).message });
    }
    findings = await check();
    for (const f of before) {
      const now = findings.find((g) => g.id === f.id);
      if (now?.ok)
        record({
          what: f.name,
          outcome: 'installed',
          detail: `${now.version ?? ''}${now.path ? ` at ${now.path}` : ''}`.trim(),
        });
    }
  }
  const still = missing();
  const nodeTooOld = findings.find((f) => f.id === 'node' && !f.ok);
  for (const f of [...still, ...(nodeTooOld ? [nodeTooOld] : [])])
    record({ what: f.name, outcome: 'missing', detail: `${f.problem}; ${f.fix}` });
  if (still.length > 0) {
    const how = options.withDeps
      ? canInstallWithApt()
        ? `apt-get could not install them; run: ${aptCommand(packages())}`
        : `installing needs root and apt-get: run \`sudo npx faultline install --with-deps\`, or: ${aptCommand(packages())}`
      : `run \`sudo npx faultline install --with-deps\` to install them, or: ${aptCommand(packages())}`;
    options.say(how);
  }

  // The template needs the PostgreSQL binaries, nothing else; it lives in a cache, so no root is needed.
  if (options.targets.includes('local') && findings.find((f) => f.id === 'postgres')?.ok) {
    const { postgresTemplate } = await import('./local/postgres.ts');
    const startedAt = Date.now();
    try {
      const template = postgresTemplate();
      // A template this run built was written after it started (to the second: some file systems keep no
      // finer times); an older one was already there.
      const built = statSync(join(template, 'PG_VERSION')).mtimeMs >= Math.floor(startedAt / 1000) * 1000;
      record({
        what: 'PostgreSQL template cluster',
        outcome: built ? 'prepared' : 'done',
        detail: `${template} (${built ? `built in ${Date.now() - startedAt} ms` : 'cached'})`,
      });
    } catch (error) {
      record({ what: 'PostgreSQL template cluster', outcome: 'failed', detail: (error as Error).message });
    }
  }
  return { steps, ok: !steps.some((s) => s.outcome === 'missing' || s.outcome === 'failed') };
}
