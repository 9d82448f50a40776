import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timelineHtml } from '../../support/report/timeline.ts';

// The fault timeline lists every exit and start of a process during the scenario, with who started it:
// the record "the workers restart within 5 seconds" was judged from, readable in the report.

test('the fault timeline shows each exit and start of a process, with its supervisor backoff', () => {
  const T0 = 1_700_000_000_000;
  const html = timelineHtml([], T0, 42, [
    {
      service: 'worker-2',
      event: {
        at: T0 + 2_000,
        event: 'exited',
        incarnation: 'pid 11',
        exit: { code: null, signal: 'SIGKILL' },
      },
    },
    {
      service: 'worker-2',
      event: { at: T0 + 2_900, event: 'started', incarnation: 'pid 12', by: 'supervisor', backoffMs: 200 },
    },
  ]);
  assert.match(html, /<h2>Process exits and starts<\/h2>/);
  assert.match(
    html,
    /2(\.0)?[^<]*<\/td><td[^>]*>worker-2<\/td><td[^>]*>exited \(signal SIGKILL\)<\/td><td[^>]*>pid 11/,
  );
  assert.match(html, /started by its supervisor after a 200 ms backoff<\/td><td[^>]*>pid 12/);
});
