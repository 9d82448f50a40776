// Evidence pages are opened inside the Allure report (an iframe per attachment) and straight from disk, so
// each is one self-contained document: inline styles, no scripts, nothing fetched.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const STYLE = `body{font:12px/1.35 system-ui,sans-serif;margin:4px;color:#222}p{margin:2px 0 6px}
table{border-collapse:collapse;margin:4px 0 10px}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#1a7f37;font-weight:600}
.fail{color:#c62828;font-weight:600}.unknown{color:#b26a00;font-weight:600}.muted{color:#777}h2{font-size:14px;margin:2px 0 4px}`;

/** A whole document; `id` marks it so a reader (or a test) can tell which evidence page it is. */
export function page(id: string, title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main id="${id}"><h2>${escapeHtml(title)}</h2>${body}</main></body></html>`;
}

export type Cell = string | number | { html: string; className?: string };

/** A table from header names and rows; numbers are right-aligned, strings escaped, `html` cells trusted. */
export function table(
  className: string,
  head: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const cell = (c: Cell): string =>
    typeof c === 'number'
      ? `<td class="num">${c}</td>`
      : typeof c === 'string'
        ? `<td>${escapeHtml(c)}</td>`
        : `<td${c.className ? ` class="${c.className}"` : ''}>${c.html}</td>`;
  return `<table class="${className}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Seconds since the scenario started, as every evidence page and the chart show time. */
export const since = (origin: number, at: number | undefined): string =>
  at === undefined ? '—' : `${((at - origin) / 1000).toFixed(2)} s`;
