import { auditedEvent, parseFloodDuration, parseRate } from '../../faults/security/audited-words.ts';
import { parseCommand, parsePrivileges } from '../../faults/security/permission.ts';
import { storeWord } from '../../faults/stores/store.ts';
import { parseDuration } from '../../parse.ts';
import type { Topology } from '../../system/topology.ts';
import { subjectWord } from '../../system/words.ts';
import { formatDuration, hit, lasts, type Meaning, type PlanNotes, text, words } from '../meaning.ts';

// Security faults on the user the system connects to a store as: what each step strikes, for how long,
// with what blast radius — the store and every service that uses it, like any dependency fault.

function usersOf(topology: Topology | undefined, store: string): string {
  const users = [...new Set(topology?.links.filter((l) => l.to === store).map((l) => l.from) ?? [])];
  return users.length > 0 ? users.join(', ') : 'every service that uses it';
}

function onStore(
  notes: PlanNotes,
  name: string,
  kind: 'redis' | 'postgres' | 'store',
  fault: string,
  targets: string,
  duration: string,
  effect: string,
): void {
  words(notes, (t) => storeWord(t, name, kind));
  hit(
    notes,
    fault,
    name,
    targets,
    duration,
    effect,
    `${name} and everyone using it (${usersOf(notes.topology, name)}): ${effect}`,
  );
}

/**
 * How a rotation hands the system the new secret, as its credentials declare: a file it re-reads, or an env
 * var of its services, which are restarted with it. Credentials set by prepare() are not known before the run.
 */
function toldHow(notes: PlanNotes, store: string): { fault: string; undo: string } {
  const declared = notes.credentials?.[store];
  if (declared?.secretEnv) {
    const { variable, services } = declared.secretEnv;
    return {
      fault: `${variable} set to the new secret and ${services.join(', ')} restarted with it`,
      undo: `the old password put back, ${services.join(', ')} restarted with their env as it was`,
    };
  }
  if (declared?.secretFile)
    return {
      fault: `new secret written to ${declared.secretFile}`,
      undo: 'the old password and secret file put back',
    };
  return {
    fault:
      'new secret handed over as the system declares: its secret file, or its env var and a restart of the services that read it',
    undo: 'the old password put back, and the secret as it was',
  };
}

export const SECURITY: Record<string, Meaning> = {
  '^every audited (.+?) is recorded within (.+)$': {
    kind: 'verdict',
    note: ([eventWords, bound], notes) => {
      parseDuration(text(bound));
      if (notes.audited !== undefined) auditedEvent(notes.audited ?? undefined, text(eventWords));
    },
  },
  '^a client causes (\\S+) audited (.+?) per second for (.+)$': {
    kind: 'fault',
    note: ([rateText, eventWords, forText], notes) => {
      const perSecond = parseRate(text(rateText));
      const lasting = formatDuration(parseFloodDuration(text(forText)));
      const fault = `${perSecond} audited ${text(eventWords)} per second`;
      if (notes.audited === undefined) {
        notes.faults.push({
          fault,
          targets: 'the service the audited requests go to',
          duration: lasting,
          blastRadius: 'the service the audited requests go to (system not loaded)',
          members: 1,
          group: text(eventWords),
        });
        return;
      }
      const { declared } = auditedEvent(notes.audited ?? undefined, text(eventWords));
      const service = declared.request({ id: 'plan', random: () => 0.5 }).service;
      hit(notes, fault, service, service, lasting, `audits ${perSecond} events per second`);
    },
  },
  '^the (\\S+) password is rotated$': {
    kind: 'fault',
    note: ([name], notes) => {
      const told = toldHow(notes, text(name));
      onStore(
        notes,
        text(name),
        'store',
        `credential rotation (${told.fault}; sessions ended)`,
        `${text(name)}: the system's user`,
        `until rollback (${told.undo})`,
        'the system must log in with the new secret',
      );
    },
  },
  '^the (\\S+) password changes without the system being told(?: for (.+))?$': {
    kind: 'fault',
    note: ([name, lasting], notes) =>
      onStore(
        notes,
        text(name),
        'store',
        'credential invalidation (the system is not told; sessions ended)',
        `${text(name)}: the system's user`,
        lasts(lasting, 'heals'),
        'logins refused',
      ),
  },
  '^the (\\S+) user loses (.+?) on (table|schema) "([^"]+)"(?: for (.+))?$': {
    kind: 'fault',
    note: ([name, privileges, kind, object, lasting], notes) => {
      const revoked = parsePrivileges(text(privileges), text(kind) as 'table' | 'schema');
      onStore(
        notes,
        text(name),
        'postgres',
        `privilege revoked (REVOKE ${revoked.join(', ')})`,
        `${text(name)}: ${text(kind)} ${text(object)}, the system's user`,
        lasts(lasting, 'heals'),
        `${revoked.join(', ')} on ${text(object)} refused`,
      );
    },
  },
  '^the (\\S+) user may no longer run "([^"]*)"(?: for (.+))?$': {
    kind: 'fault',
    note: ([name, command, lasting], notes) => {
      const denied = parseCommand(text(command));
      onStore(
        notes,
        text(name),
        'redis',
        `command denied (ACL -${denied})`,
        `${text(name)}: the system's user`,
        lasts(lasting, 'heals'),
        `${denied.toUpperCase()} refused`,
      );
    },
  },
  '^the (\\S+) reports the (\\S+) credentials refused within (.+)$': {
    kind: 'verdict',
    note: ([subject, name, bound], n) => {
      parseDuration(text(bound));
      words(n, (t) => subjectWord(t, text(subject)));
      words(n, (t) => storeWord(t, text(name), 'store'));
    },
  },
  '^the (\\S+) reports the (\\S+) permission denied within (.+)$': {
    kind: 'verdict',
    note: ([subject, name, bound], n) => {
      parseDuration(text(bound));
      words(n, (t) => subjectWord(t, text(subject)));
      words(n, (t) => storeWord(t, text(name), 'store'));
    },
  },
};
