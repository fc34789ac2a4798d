// The two kinds of failure: ordinary errors are retried with backoff; a PermanentError says
// retrying cannot help (404, not HTML, invalid payload) and carries a reason a person can act on.
// The runner turns PermanentError into BullMQ's UnrecoverableError; pure modules only throw.

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    /** Short machine-readable reason, e.g. `http_404`, `not_html`, `too_large`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A transient failure that should be retried, optionally not before `retryAfterMs`. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A mistake in how newsflow was invoked or set up (an unknown role, a port in use, a file that is
 * not what the command reads): the CLI prints the message alone and exits 2, as for bad config.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
