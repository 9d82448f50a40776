import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import type { LogLine } from '../local/process.ts';

const MAX_LOG_LINES = 20_000;

/**
 * Follows one container's output into LogLine records stamped by the engine. The engine ends a follow
 * stream when the container stops; `follow()` again after a restart picks up from the last line seen.
 */
export class LogFollower {
  readonly lines: LogLine[] = [];
  private container: Dockerode.Container;
  private readonly modem: Dockerode['modem'];
  private readonly listeners = new Set<(line: LogLine) => void>();
  private stream: NodeJS.ReadableStream | undefined;
  private lastAt = 0;
  private closed = false;

  /** `from` (ms epoch): ignore what the container printed before (a container handed over from before). */
  constructor(container: Dockerode.Container, modem: Dockerode['modem'], from = 0) {
    this.container = container;
    this.modem = modem;
    this.lastAt = from;
  }

  async follow(): Promise<void> {
    if (this.closed) return;
    this.stopStream();
    const stream = (await this.container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      since: this.lastAt === 0 ? 0 : Math.floor(this.lastAt / 1000),
    })) as NodeJS.ReadableStream;
    this.stream = stream;
    const out = new PassThrough();
    const err = new PassThrough();
    this.modem.demuxStream(stream, out, err);
    stream.on('end', () => {
      out.end();
      err.end();
    });
    stream.on('error', () => {
      out.end();
      err.end();
    });
    const since = this.lastAt;
    const take = (kind: LogLine['stream']) => (raw: string) => {
      const space = raw.indexOf(' ');
      const at = Date.parse(raw.slice(0, space));
      if (!Number.isFinite(at) || at < since || (at === since && this.seen(at, raw.slice(space + 1)))) return;
      const line: LogLine = { at, stream: kind, line: raw.slice(space + 1) };
      this.lastAt = Math.max(this.lastAt, at);
      if (this.lines.length >= MAX_LOG_LINES) this.lines.shift();
      this.lines.push(line);
      for (const listener of this.listeners) listener(line);
    };
    createInterface({ input: out }).on('line', take('stdout'));
    createInterface({ input: err }).on('line', take('stderr'));
  }

  /**
   * Follows a container that replaced the one followed so far (a service recreated with another env): its
   * lines join the same record, after the last one seen.
   */
  async followAnother(container: Dockerode.Container): Promise<void> {
    this.container = container;
    await this.follow();
  }

  /** A line at the same millisecond as the last one seen may already be recorded (after a re-follow). */
  private seen(at: number, text: string): boolean {
    for (let i = this.lines.length - 1; i >= 0 && this.lines[i]!.at === at; i--)
      if (this.lines[i]!.line === text) return true;
    return false;
  }

  /** Resolves with the first line from now on that matches, or rejects after the timeout. */
  waitFor(pattern: RegExp, timeoutMs: number, after = Date.now()): Promise<LogLine> {
    const already = this.lines.find((l) => l.at >= after && pattern.test(l.line));
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${this.tail(15)}`));
      }, timeoutMs);
      const listener = (line: LogLine) => {
        if (line.at < after || !pattern.test(line.line)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(line);
      };
      this.listeners.add(listener);
    });
  }

  tail(count: number): string {
    return this.lines
      .slice(-count)
      .map((l) => `  ${l.line}`)
      .join('\n');
  }

  private stopStream(): void {
    const stream = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    stream?.destroy?.();
    this.stream = undefined;
  }

  close(): void {
    this.closed = true;
    this.stopStream();
    this.listeners.clear();
  }
}
