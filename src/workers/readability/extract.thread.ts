// Worker-thread entry for extract.pool.ts. Errors travel back as data: a class does not survive
// the thread boundary, and the pool must tell a PermanentError from a crash.
import { parentPort } from 'node:worker_threads';
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import { extractArticle, type ExtractOptions } from './extract.js';

export interface ExtractTask {
  /** Echoed in the start message that begins the pool's per-page clock. */
  id: number;
  html: string;
  opts: ExtractOptions;
}

export type ExtractReply =
  | { ok: true; article: ExtractedArticle }
  | { ok: false; permanent: boolean; code: string; message: string };

export interface StartedMessage {
  extractStarted: number;
}

export default function run(task: ExtractTask): ExtractReply {
  parentPort?.postMessage({ extractStarted: task.id } satisfies StartedMessage);
  try {
    return { ok: true, article: extractArticle(task.html, task.opts) };
  } catch (err) {
    if (err instanceof PermanentError) return { ok: false, permanent: true, code: err.code, message: err.message };
    return { ok: false, permanent: false, code: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
