// The version of Westward: package.json's, read from the nearest one above this file, so that
// `node src/...` in a clone and `node dist/src/...` in the image both find it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function westwardVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'westward' && typeof pkg.version === 'string') return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of westward above ${from}`);
  }
}
