import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planRejecting } from '../plan/cli.ts';

// The server-certificate step and its verdict check their words before anything starts: a service without
// a TLS port, a problem no server certificate can be given, a bad duration, clients that never connect to
// the service — each a problem at file:line naming what the system has or what is accepted.

const dir = mkdtempSync(join(tmpdir(), 'faultline-servercert-words-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('server-certificate steps: services without a certificate, unknown problems, strangers as clients', async () => {
  const file = join(dir, 'server-certificate.feature');
  writeFileSync(
    file,
    [
      'Feature: server certificate mistakes', //                                              1
      '', //                                                                                    2
      '  Scenario: mistakes', //                                                                3
      '    Given a healthy controller with 3 registered workers', //                            4
      '    When the redis presents a certificate that is expired', //                           5
      '    And the controller presents a certificate that is revoked', //                       6
      '    And the controller presents a certificate that is expired for ages', //              7
      '    And the kafka presents a certificate that is expired', //                            8
      "    Then the redis refuses the controller's certificate within 5 seconds", //            9
      "    And the workers refuse the postgres's certificate within 5 seconds", //              10
      '',
    ].join('\n'),
  );
  const at = await planRejecting(file);
  at(
    5,
    /'redis' presents no certificate in the system 'reference-platform': it has no TLS port .*; the services that present one: controller/,
  );
  at(
    6,
    /'revoked' is not a problem a service's certificate can be given .*; accepted: 'expired', 'not yet valid', 'signed by an unknown CA'/,
  );
  at(7, /'ages' is not a duration/);
  at(
    8,
    /'kafka' is not a service of the system 'reference-platform'; its services: redis, postgres, controller/,
  );
  at(
    9,
    /'redis' names redis, with no link into controller in the system 'reference-platform': only a service that connects to it can refuse its certificate; its clients: worker-1/,
  );
  at(10, /'postgres' presents no certificate/);
});
