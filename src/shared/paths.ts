// Where the package's own files (config/, models/, fixtures/) live, from src/ under tsx and
// from dist/ after the build alike: both sit one level below the package root.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/** ../shared/data beside the project root: development data, absent on user machines. */
export const SHARED_DATA = join(PACKAGE_ROOT, '..', 'shared', 'data');
