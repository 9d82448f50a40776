import type { AuditEvent } from '../system/system.ts';
import type { Verdict } from './verdict.ts';

// "Every audited <event> is recorded within <bound>": the system's audit accounts for every event a flood
// caused, soon after the flood ended — written one by one, or counted. An event carrying a numeric
// `detail.count` stands for that many (a system that coalesces an overflow records how many it counted;
// with `detail.event`, only when that names one of the flood's events). A writer whose queue grows
// without bound lags behind: its audit still misses events long after the flood.

export interface AuditAccount {
  /** Events the flood caused (requests the service answered). */
  caused: number;
  written: number;
  counted: number;
}

export function accountFor(events: readonly AuditEvent[], names: readonly string[]): AuditAccount {
  let written = 0;
  let counted = 0;
  for (const e of events) {
    if (!names.includes(e.event)) continue;
    const count = e.detail.count;
    const of = e.detail.event;
    if (typeof count === 'number' && Number.isInteger(count) && count > 0) {
      if (of === undefined || (typeof of === 'string' && names.includes(of))) counted += count;
    } else written++;
  }
  return { caused: 0, written, counted };
}

export function auditKeptUp(
  words: string,
  service: string,
  account: AuditAccount,
  boundMs: number,
  waitedMs: number,
): Verdict {
  const check = `every audited ${words} is recorded within ${boundMs} ms`;
  const recorded = account.written + account.counted;
  const figures = {
    caused: account.caused,
    written: account.written,
    counted: account.counted,
    'waited ms': waitedMs,
  };
  const text = `${service} answered ${account.caused} requests that each cause an audited ${words}; its audit recorded ${account.written} one by one and counted ${account.counted} more`;
  if (account.caused === 0)
    return {
      check,
      pass: false,
      message: `no audited ${words} was caused (no flood answered) — nothing was measured, so nothing is proven`,
      figures,
    };
  return recorded >= account.caused
    ? { check, pass: true, message: `${text}, ${waitedMs} ms after the flood ended`, figures }
    : {
        check,
        pass: false,
        message: `${text} ${waitedMs} ms after the flood ended: ${account.caused - recorded} not recorded — the audit writer lags behind the flood (a queue without bound?)`,
        figures,
      };
}
