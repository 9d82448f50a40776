import { createServer, request, type Server } from 'node:http';
import { StepInputError } from '../parse.ts';
import type { DownReport, FaultReport, GameDay } from './session.ts';

// The control channel between `faultline up` (where the World, its environment and its fault ledger live)
// and the short commands that drive it: JSON over HTTP on a unix socket in a temp dir of the `up` process
// (mode 0600 by the directory's 0700), so only its owner can reach it and nothing listens on the network.

export interface ControlAnswers {
  '/fault': { faults: FaultReport[] };
  '/undo': { faults: FaultReport[] };
  '/status': { faults: FaultReport[]; steadyState?: string[] };
  '/down': DownReport;
}

export type Route = keyof ControlAnswers;

/** An error the `up` process answered with: a refused input (400) or a fault that failed (500). */
export class ControlError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

async function body(req: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ControlError('the request body must be a JSON object', 400);
  return parsed as Record<string, unknown>;
}

/** Serves a game day on `socket`; `onDown` runs once the answer to /down has been sent. */
export function serveControl(
  gameDay: GameDay,
  socket: string,
  events: {
    onDown: (report: DownReport) => void;
    onFault?: (faults: FaultReport[]) => void;
    onUndo?: (faults: FaultReport[]) => void;
  },
): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = (status: number, value: unknown, then?: () => void) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(value)}\n`, then);
    };
    void (async () => {
      const input = await body(req);
      switch (`${req.method} ${req.url}`) {
        case 'POST /fault': {
          if (typeof input.text !== 'string')
            throw new ControlError('POST /fault takes {"text": "<fault step>"}', 400);
          const faults = await gameDay.fault(input.text);
          events.onFault?.(faults);
          return answer(200, { faults });
        }
        case 'POST /undo': {
          const target =
            input.all === true
              ? 'all'
              : typeof input.text === 'string'
                ? { text: input.text }
                : typeof input.id === 'number' && Number.isInteger(input.id)
                  ? input.id
                  : undefined;
          if (target === undefined)
            throw new ControlError(
              'POST /undo takes {"id": <fault id>}, {"text": "<fault step>"} or {"all": true}',
              400,
            );
          const faults = await gameDay.undo(target);
          events.onUndo?.(faults);
          return answer(200, { faults });
        }
        case 'GET /status':
        case 'GET /status?probe=1':
          return answer(200, await gameDay.status(req.url?.endsWith('probe=1') === true));
        case 'POST /down': {
          const report = await gameDay.down();
          return answer(200, report, () => events.onDown(report));
        }
        default:
          throw new ControlError(
            `no route ${req.method} ${req.url}: POST /fault, POST /undo, GET /status, POST /down`,
            404,
          );
      }
    })().catch((error: unknown) => {
      const status =
        error instanceof ControlError
          ? error.status
          : error instanceof StepInputError || error instanceof SyntaxError
            ? 400
            : 500;
      answer(status, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve(server));
  });
}

/** Asks the `up` process listening on `socket`; throws a ControlError with its message when it refuses. */
export function ask<R extends Route>(
  socket: string,
  method: 'GET' | 'POST',
  route: R,
  input?: Record<string, unknown>,
  query = '',
): Promise<ControlAnswers[R]> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        method,
        path: `${route}${query}`,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => {
          try {
            const value = JSON.parse(text) as ControlAnswers[R] & { error?: string };
            if ((res.statusCode ?? 500) >= 400)
              reject(new ControlError(value.error ?? text, res.statusCode ?? 500));
            else resolve(value);
          } catch {
            reject(
              new ControlError(
                `the game day answered ${res.statusCode} with something that is not JSON: ${text.slice(0, 200)}`,
                502,
              ),
            );
          }
        });
      },
    );
    req.on('error', reject);
    req.end(input ? JSON.stringify(input) : undefined);
  });
}
