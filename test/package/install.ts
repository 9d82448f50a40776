// Packs this checkout (`npm pack`, which builds dist/ through prepack) and installs the tarball, with the
// cucumber the repository is locked to, into a fresh project outside the repository: the package exactly
// as a user gets it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const run = promisify(execFile);

// This Node first on PATH: npm's own shebang, the package's bin and prepack's build all run on it.
export const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};

export interface PackEntry {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** The cucumber the repository is locked to: the install then comes from npm's cache. */
function lockedCucumber(): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages['node_modules/@cucumber/cucumber']?.version;
  assert.ok(version, 'package-lock.json holds no node_modules/@cucumber/cucumber');
  return `@cucumber/cucumber@${version}`;
}

export interface Installed {
  work: string;
  project: string;
  entry: PackEntry;
  remove(): void;
}

/** A temp dir outside the repository with the packed tarball installed into `<work>/project`. */
export async function packAndInstall(name = 'probe'): Promise<Installed> {
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-pack-')));
  const remove = () => rmSync(work, { recursive: true, force: true });
  try {
    assert.ok(relative(ROOT, work).startsWith('..'), `${work} lies inside the repository ${ROOT}`);
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [entry] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackEntry[];
    assert.ok(entry, `npm pack printed no package:\n${packed.stdout}`);
    const project = join(work, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name, private: true }));
    await run(
      'npm',
      [
        'install',
        '--save-dev',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(work, entry.filename),
        lockedCucumber(),
      ],
      { cwd: project, env, maxBuffer: 64 * 1024 * 1024 },
    );
    return { work, project, entry, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
