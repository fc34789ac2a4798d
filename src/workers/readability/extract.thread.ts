// Worker-thread entry for extract.pool.ts. Errors travel back as data: a class does not survive
// the thread boundary, and the pool must tell a PermanentError from a crash.
import { PermanentError } from '../../shared/errors.js';
import type { ExtractedArticle } from '../../shared/types.js';
import { extractArticle, type ExtractOptions } from './extract.js';

export interface ExtractTask {
  html: string;
  opts: ExtractOptions;
}

export type ExtractReply =
  | { ok: true; article: ExtractedArticle }
  | { ok: false; permanent: boolean; code: string; message: string };

export default function run(task: ExtractTask): ExtractReply {
  try {
    return { ok: true, article: extractArticle(task.html, task.opts) };
  } catch (err) {
    if (err instanceof PermanentError) return { ok: false, permanent: true, code: err.code, message: err.message };
    return { ok: false, permanent: false, code: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
