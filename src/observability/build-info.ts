// Which build is running, for westward_build_info: the package version, the source revision the
// image was built from (WESTWARD_REVISION, set by the Dockerfile's REVISION build argument) and
// the Node.js version.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BuildInfo {
  version: string;
  revision: string;
  node_version: string;
}

/** The nearest package.json above this file: src/ in a checkout, dist/src/ in the image. */
function packageVersion(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'westward' && typeof pkg.version === 'string') return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  const revision = env.WESTWARD_REVISION?.trim();
  return {
    version: packageVersion(),
    revision: revision === undefined || revision === '' ? 'unknown' : revision,
    node_version: process.version,
  };
}
