import type { LogLine } from '../env/local/process.ts';
import type { Verdict } from './verdict.ts';

// "The <clients> refuse the <service>'s certificate within D": every client named logged the system's own
// refusal line after the forged certificate was presented, within D of it — the clients met it and said
// no, which a client that trusts whatever it is handed (or keeps an old session) never does.

export interface ForgedServerCertificate {
  service: string;
  serial: string;
  /** When the service began presenting it (the fault's start). */
  since: number;
}

export function serverCertificateRefused(
  forged: readonly ForgedServerCertificate[],
  clients: readonly string[],
  logsOf: (client: string) => readonly LogLine[],
  line: RegExp | string,
  withinMs: number,
): Verdict {
  const check = 'clients refuse the forged server certificate';
  const matches = (text: string) => (typeof line === 'string' ? text.includes(line) : line.test(text));
  const shown = typeof line === 'string' ? `"${line}"` : String(line);
  if (forged.length === 0)
    return {
      check,
      pass: false,
      message:
        'no service of this scenario presented a forged certificate — no client had cause to refuse one, so nothing is proven',
      figures: { clients: [...clients] },
    };
  if (clients.length === 0)
    return { check, pass: false, message: 'no client named: nothing was judged', figures: {} };
  const late: string[] = [];
  const delays: string[] = [];
  for (const f of forged)
    for (const client of clients) {
      const first = logsOf(client).find((l) => l.at >= f.since && matches(l.line));
      if (first === undefined || first.at - f.since > withinMs)
        late.push(
          first === undefined
            ? `${client} (no such line since ${f.service} presented serial ${f.serial})`
            : `${client} (only after ${first.at - f.since} ms)`,
        );
      else delays.push(`${client} ${first.at - f.since} ms`);
    }
  const figures = {
    serials: forged.map((f) => f.serial),
    clients: [...clients],
    refusedAfter: delays,
    withinMs,
  };
  return late.length === 0
    ? {
        check,
        pass: true,
        message: `every client logged ${shown} within ${withinMs} ms of ${forged.map((f) => `${f.service} presenting serial ${f.serial}`).join(', ')}: ${delays.join(', ')}`,
        figures,
      }
    : {
        check,
        pass: false,
        message: `not every client refused the forged certificate within ${withinMs} ms (a line matching ${shown}): ${late.join('; ')}`,
        figures,
      };
}
