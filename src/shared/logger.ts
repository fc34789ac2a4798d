// pino JSON logs. One root logger per process; workers take a child per job (queue, jobId, attempt).
// Secrets and page bodies never reach a log line: known secret paths are redacted.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'newsflow',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        'password',
        '*.password',
        'secret',
        '*.secret',
        'headers.authorization',
        '*.headers.authorization',
        'config.sinks.*.secret',
        'config.sinks.*.url',
      ],
      censor: '[redacted]',
    },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that writes nothing, for library calls and tests that don't care. */
export const silentLogger: Logger = pino({ level: 'silent' });
