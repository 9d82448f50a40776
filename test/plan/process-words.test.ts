import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planRejecting } from './cli.ts';

// Every process fault step and restart verdict checks its words and numbers before anything starts: the
// plan reports each mistake at file:line with what the system has or what is accepted, and exits 1.

const dir = mkdtempSync(join(tmpdir(), 'faultline-process-words-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('process fault steps: unknown services, impossible counts and bad durations are problems at file:line', async () => {
  const file = join(dir, 'process.feature');
  writeFileSync(
    file,
    [
      'Feature: process mistakes', //                                                      1
      '', //                                                                                 2
      '  Scenario: mistakes', //                                                             3
      '    Given a healthy controller with 3 registered workers', //                         4
      '    When kafka is killed with SIGKILL', //                                            5
      '    And 0 of the workers are killed with SIGKILL for 2 seconds', //                   6
      '    And 4 of the workers are stopped with SIGTERM', //                                7
      '    And 1 of the workers is paused for a while', //                                   8
      '    And the bananas are restarted', //                                                9
      '    And a chaos monkey kills 1 of the workers every 5 seconds for 2 seconds', //     10
      '    And a chaos monkey kills 1 of the workers every 0 seconds for 2 seconds', //     11
      '    Then the kafka restarts within 5 seconds', //                                    12
      '    And the workers restart within soon', //                                         13
      '',
    ].join('\n'),
  );
  const at = await planRejecting(file);
  at(
    5,
    /'kafka' is neither a service nor a group of the system 'reference-platform'; its services: redis, postgres, controller, worker-1/,
  );
  at(6, /cannot strike 0 of 3 workers: choose between 1 and 3/);
  at(7, /cannot strike 4 of 3 workers: choose between 1 and 3/);
  at(8, /'a while' is not a duration: write a number and a unit/);
  at(9, /'bananas' is neither a service nor a group/);
  at(
    10,
    /a chaos monkey every 5 seconds for 2 seconds would strike once: the period must not exceed the duration/,
  );
  at(11, /a chaos monkey needs a period and a duration above zero, not every 0 seconds for 2 seconds/);
  at(12, /'kafka' is neither a service nor a group/);
  at(13, /'soon' is not a duration/);
});
