/** Spawns cluster fixture processes and reads the JSON lines they print. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeEvent {
  readonly node: string;
  readonly at: number;
  readonly event: string;
  readonly [key: string]: unknown;
}

/** A child process running a fixture, with every event it printed so far. */
export class ChildNode {
  readonly events: NodeEvent[] = [];
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  #waiters: { match: (e: NodeEvent) => boolean; resolve: (e: NodeEvent) => void }[] = [];
  stderr = '';

  constructor(fixture: string, args: readonly string[]) {
    this.process = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      let event: NodeEvent;
      try {
        event = JSON.parse(line) as NodeEvent;
      } catch {
        return; // not ours
      }
      this.events.push(event);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  /** Resolves with the first event (already seen or to come) that matches, or rejects after `timeout` ms. */
  waitFor(match: (e: NodeEvent) => boolean, timeout: number, what = 'event'): Promise<NodeEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} not seen within ${timeout} ms; stderr: ${this.stderr.slice(-2000)}`)), timeout);
      this.#waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  send(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Kills the process (if it still runs) and waits for it. */
  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGCONT');
      this.process.kill('SIGKILL');
    }
    await this.exited;
  }
}
