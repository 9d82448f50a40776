import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referencePlatform } from '../../fixtures/platform/system.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import type { System } from '../../support/system/system.ts';

/** The reference platform as a run builds it: instantiated at a scale, its prepare() run in a temp dir. */
export async function referenceSystem(scale: Record<string, number>, prepare = true): Promise<System> {
  const system = instantiate(referencePlatform, scale, {
    name: 'reference-platform',
    baseDir: process.cwd(),
    origin: 'reference-platform',
  });
  if (prepare && system.prepare) {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-test-system-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await system.prepare(dir);
    system.topology.sharedDirs = [dir];
  }
  return system;
}
