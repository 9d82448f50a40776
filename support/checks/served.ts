import type { Operation } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

/**
 * "N more operations are all served by the other members": every operation succeeded, and each says which
 * member served it, a member of the group that no fault excluded. Fails when nothing was sent, when no
 * member was excluded (then "the other members" are all of them and nothing is proven), and when the
 * operations do not say who served them (their `servedBy`) — a check that cannot see the server sees nothing.
 */
export function servedByOthers(
  operations: readonly Operation[],
  excluded: readonly string[],
  group: string,
  members: readonly string[],
): Verdict {
  const check = `service continues on the other ${group}`;
  const failed = operations.filter((op) => op.outcome !== 'ok');
  const unnamed = operations.filter((op) => op.outcome === 'ok' && op.servedBy === undefined);
  const onExcluded = operations.filter((op) => op.servedBy !== undefined && excluded.includes(op.servedBy));
  const outside = operations.filter(
    (op) => op.servedBy !== undefined && !members.includes(op.servedBy) && !excluded.includes(op.servedBy),
  );
  const servedBy = [...new Set(operations.map((op) => op.servedBy ?? 'not said'))].sort();
  const figures = {
    operations: operations.length,
    excluded: [...excluded],
    served_by: servedBy,
    failed: failed.length,
    on_excluded: onExcluded.length,
    unnamed: unnamed.length,
  };
  const fail = (message: string): Verdict => ({ check, pass: false, message, figures });
  if (operations.length === 0)
    return fail('no operations were sent — nothing was served, so nothing is proven');
  if (excluded.length === 0)
    return fail(
      `no member of ${group} is under a fault, so "the other ${group}" excludes no one — nothing is proven`,
    );
  if (unnamed.length > 0)
    return fail(
      `${unnamed.length} of ${operations.length} operations do not say which member served them (the operation's servedBy), so whether a faulted member (${excluded.join(', ')}) served them cannot be told`,
    );
  const summary = `${operations.length - failed.length} of ${operations.length} succeeded, served by ${servedBy.join(', ')}`;
  if (failed.length > 0)
    return fail(
      `${summary}; ${failed.length} did not succeed (${failed.map((op) => `${op.id} ${op.outcome}${op.status !== undefined ? ` ${op.status}` : ''}`).join(', ')})`,
    );
  if (onExcluded.length > 0)
    return fail(
      `${summary}; ${onExcluded.length} served by a faulted member (${excluded.join(', ')}): ${onExcluded.map((op) => `${op.id} by ${op.servedBy}`).join(', ')}`,
    );
  if (outside.length > 0)
    return fail(
      `${summary}; ${outside.length} served by a service outside ${group} (${[...new Set(outside.map((op) => op.servedBy))].join(', ')})`,
    );
  return {
    check,
    pass: true,
    message: `${summary}; none by a faulted member (${excluded.join(', ')})`,
    figures,
  };
}
