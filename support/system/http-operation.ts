import { Agent, request } from 'undici';
import type { Environment } from '../env/environment.ts';
import type { Operation } from '../load/history.ts';
import type { HttpOperation, OperationDeclaration } from './declare.ts';
import type { DeclaredRequest, RequestContext } from './system.ts';

// An operation declared as an HTTP request template: no code on the user's side. Sent like a client
// outside the system (straight to the service, not through a link), recorded as one history operation.

const agent = new Agent({ keepAliveTimeout: 4_000, connections: 256 });

/** `{{id}}` in any string of the template becomes the operation's id. */
function fill(value: unknown, id: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{{id}}', id);
  if (Array.isArray(value)) return value.map((v) => fill(v, id));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, id)]));
  return value;
}

const is2xx = (status: number) => status >= 200 && status < 300;

export function httpOperation(kind: string, template: HttpOperation) {
  return async ({ env, id }: { env: Environment; id: string }): Promise<Operation> => {
    const { host, port } = env.endpoint(template.service);
    const invokedAt = Date.now();
    const base = { kind, id, service: template.service, invokedAt, attempts: [] };
    try {
      const body = template.json === undefined ? undefined : JSON.stringify(fill(template.json, id));
      const response = await request(`http://${host}:${port}${fill(template.path, id) as string}`, {
        dispatcher: agent,
        method: (template.method ?? (body ? 'POST' : 'GET')) as 'GET',
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(fill(template.headers ?? {}, id) as Record<string, string>),
        },
        body,
        signal: AbortSignal.timeout(template.timeoutMs ?? 30_000),
      });
      const text = await response.body.text().catch(() => '');
      const ok = template.ok ? template.ok.includes(response.statusCode) : is2xx(response.statusCode);
      return {
        ...base,
        completedAt: Date.now(),
        outcome: ok ? 'ok' : 'fail',
        status: response.statusCode,
        error: ok ? undefined : `HTTP ${response.statusCode}: ${text.slice(0, 200)}`,
      };
    } catch (error) {
      // No answer: the request may or may not have taken effect.
      return { ...base, completedAt: Date.now(), outcome: 'unknown', error: (error as Error).message };
    }
  };
}

/**
 * The declared request of every operation written as an http({ json }) template: the valid request data
 * faults mutate, with nothing more for the user to declare. A template without a JSON body has none.
 */
export function httpRequests(
  operations: Record<string, OperationDeclaration>,
): Record<string, (ctx: RequestContext) => DeclaredRequest> {
  const requests: Record<string, (ctx: RequestContext) => DeclaredRequest> = {};
  for (const [kind, op] of Object.entries(operations)) {
    if (typeof op === 'function' || op.json === undefined) continue;
    requests[kind] = ({ id }) => ({
      service: op.service,
      method: op.method ?? 'POST',
      path: fill(op.path, id) as string,
      headers: fill(op.headers ?? {}, id) as Record<string, string>,
      json: fill(op.json, id),
    });
  }
  return requests;
}
