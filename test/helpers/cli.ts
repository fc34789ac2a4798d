// The built `newsflow` command as a user runs it: a child process, its exit code and output.
import { execFile } from 'node:child_process';
import { packagePath } from '../../src/shared/paths.js';
import { TEST_REDIS_URL } from './redis.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function newsflow(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [packagePath('dist', 'cli.js'), ...args],
      {
        env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'silent', ...opts.env },
        maxBuffer: 20 * 1024 * 1024,
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.input ?? '');
  });
}
