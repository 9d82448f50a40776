import { Then, When } from '@cucumber/cucumber';
import { serverCertificateRefused } from '../support/checks/server-certificates.ts';
import { parseServerProblem, serverCertificateFault } from '../support/faults/tls/server-certificate.ts';
import { requireAdapter } from '../support/system/system.ts';
import { certificateClientsWords, certifiedServiceWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject, judge, settle } from './judge.ts';

// A service's own TLS server certificate made bad, and whether its clients refuse it.

When(
  /^the (\S+) presents a certificate that is (.+?)(?: for (.+))?$/,
  async function (this: FaultlineWorld, serviceText: string, problemText: string, lasting?: string) {
    const service = certifiedServiceWord(this.env.topology, serviceText);
    const problem = parseServerProblem(problemText);
    const certificates = requireAdapter(
      this.system,
      'certificates',
      `"the ${service} presents a certificate that is ${problem}"`,
    );
    const since = Date.now();
    await inject(
      this,
      serverCertificateFault(this.env, certificates, service, problem, {
        durationMs: holdingMs(this, lasting),
        onPresented: (serial) => this.forgedServerCertificates.push({ service, serial, since }),
      }),
    );
  },
);

Then(
  /^the (\S+) refuses? the (\S+?)'s certificate within (.+)$/,
  async function (this: FaultlineWorld, clientsText: string, serviceText: string, within: string) {
    const { service, clients } = certificateClientsWords(this.env.topology, clientsText, serviceText);
    const line = requireAdapter(
      this.system,
      'serverCertificateRefusedLog',
      `"the ${clientsText} refuse the ${service}'s certificate"`,
    );
    const withinMs = this.duration(within);
    const forged = this.forgedServerCertificates.filter((f) => f.service === service);
    const judgeNow = () => serverCertificateRefused(forged, clients, (c) => this.env.logs(c), line, withinMs);
    // The clients refuse when they next connect: wait until the last forged certificate's bound has passed.
    const until = Math.max(0, ...forged.map((f) => f.since + withinMs));
    judge(this, await settle(judgeNow, { until, everyMs: 100, waiting: forged.length > 0 }));
  },
);
