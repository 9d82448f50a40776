import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

// faultline's steps and support name no word of an example system: the system's declaration supplies them
// (its events, certificate refusals, renewal log line). These are the reference platform's own words; one
// reappearing in steps/ or support/ means a verdict went back to reading a particular system.

const PLATFORM_WORDS = [
  'worker_unreachable',
  'breaker_open',
  'registration_rejected',
  'not_yet_valid',
  'unknown_ca',
  'certificate renewal required',
  'reference-platform',
  'audit_log',
  'request_id',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('no word of the reference platform in steps/ or support/', () => {
  const found = ['steps', 'support'].flatMap(sources).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return PLATFORM_WORDS.filter((w) => text.includes(w)).map((w) => `${file}: ${w}`);
  });
  assert.deepEqual(found, [], `move these into the system's declaration (fixtures/platform/system.ts)`);
});
