// Run `newsflow start` as a real child process (the built CLI in dist/), to kill it with -9 and
// start it again: what a crashed container does.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packagePath } from '../../src/shared/paths.js';

export interface NewsflowProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function writeConfig(dir: string, config: unknown): string {
  const file = join(dir, `config-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

export function startNewsflow(opts: { config: string; workers: string; env?: NodeJS.ProcessEnv }): NewsflowProcess {
  // NEWSFLOW_CHILD_NODE_ARGS passes node flags to every child, e.g. to profile a benchmark:
  // NEWSFLOW_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:pipeline
  const nodeArgs = (process.env.NEWSFLOW_CHILD_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, packagePath('dist', 'cli.js'), 'start', '--config', opts.config, '--workers', opts.workers], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return {
    child,
    output: () => output,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((done) => {
        child.once('exit', (code) => done(code));
        child.kill(signal);
      });
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
