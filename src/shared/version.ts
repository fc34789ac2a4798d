// The package version, read once from package.json (one source of truth for CLI and User-Agent).
import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
