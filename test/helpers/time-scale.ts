// Wall-clock budgets in tests (test timeouts, "wait until stored" deadlines, the fetch timeout a
// pipeline under test gets) scale with the machine: a small or busy CI box gets proportionally
// more time, so a test fails for a wrong result, not for a slow machine. Assertions never depend
// on speed; only how long a test waits before it gives up does.
//
// The factor: NEWSFLOW_TEST_TIME_SCALE when set; else how much slower than the reference this
// machine runs a fixed CPU task right now, and how loaded it is (load average per core), never
// below 1 and at most 6.
import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';

/** Milliseconds the calibration task takes, cold, on the reference machine (2 vCPU, idle). */
const REFERENCE_MS = 60;

function calibrate(): number {
  const start = performance.now();
  let h = Buffer.from('newsflow');
  for (let i = 0; i < 25_000; i += 1) h = createHash('sha256').update(h).digest();
  return performance.now() - start;
}

function computeScale(): number {
  const fromEnv = Number(process.env.NEWSFLOW_TEST_TIME_SCALE);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  const slowness = calibrate() / REFERENCE_MS;
  const load = loadavg()[0]! / availableParallelism();
  return Math.min(6, Math.max(1, slowness, load));
}

export const TIME_SCALE = computeScale();

/** `ms` scaled for this machine (see above). */
export const scaled = (ms: number): number => Math.round(ms * TIME_SCALE);

/** A duration string for config under test ("8s" scaled). */
export const scaledSeconds = (seconds: number): string => `${Math.ceil(seconds * TIME_SCALE)}s`;
