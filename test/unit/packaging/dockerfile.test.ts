// What a build would trip over, read from the Dockerfile: the build context, the stages, the
// user and the entrypoint. The build itself is `npm run image:build` (buildah, test/image/).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readText, repoRoot } from './repo.ts';

const dockerfile = readText('Dockerfile');
const lines = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const ignored = readText('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

interface Stage {
  from: string;
  name: string | undefined;
  instructions: string[];
}

function stages(): Stage[] {
  const out: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) out.push({ from: from[1] ?? '', name: from[2], instructions: [] });
    else out.at(-1)?.instructions.push(line);
  }
  return out;
}

/** Whether a .dockerignore pattern (the simple forms used here) excludes a context path. */
function excluded(file: string): boolean {
  return ignored.some((p) => file === p || file.startsWith(`${p}/`) || (p.startsWith('*.') && file.endsWith(p.slice(1))));
}

describe('Dockerfile', () => {
  const all = stages();
  const runtime = all.at(-1);
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];

  it('builds on an official Node 24 image, pinned by digest, in several stages', () => {
    expect(nodeImage).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) expect(s.from).toBe('${NODE_IMAGE}');
    const build = all.find((s) => s.instructions.includes('RUN npm run build'));
    expect(build?.instructions.some((i) => /^RUN .*npm ci --no-audit/.test(i))).toBe(true);
  });

  it('copies into the build only context files that exist and .dockerignore lets through', () => {
    const sources = lines
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const s of sources) {
      expect(existsSync(path.join(repoRoot, s)), s).toBe(true);
      expect(excluded(s), `${s} is in .dockerignore`).toBe(false);
    }
    // The check of the check: what must stay out of the context is out.
    for (const local of ['node_modules', 'dist', '.cluster', '.git']) expect(excluded(local), local).toBe(true);
  });

  it('runs the compiled entry point of tsconfig.build.json as uid 65532 with production dependencies', () => {
    const build = JSON.parse(readText('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    const entry = path.posix.join(build.compilerOptions.outDir, path.posix.relative(build.compilerOptions.rootDir, 'src/main.js'));
    expect(entry).toBe('dist/src/main.js');
    const r = runtime?.instructions ?? [];
    expect(r).toContain(`ENTRYPOINT ["node", "${entry}"]`);
    expect(r).toContain('USER 65532:65532');
    expect(r.find((i) => i.startsWith('EXPOSE'))?.split(/\s+/).slice(1).sort()).toEqual(['8080', '8081']);
    // Node picks ES modules for dist/ from "type": "module" in the nearest package.json.
    expect((JSON.parse(readText('package.json')) as { type: string }).type).toBe('module');
    expect(r.some((i) => /^COPY --from=\S+ \S*package\.json \.\/package\.json$/.test(i))).toBe(true);
    expect(r.some((i) => /^COPY --from=\S+ \S*dist \.\/dist$/.test(i))).toBe(true);
    // The version label defaults to package.json's; image:build passes it and the commit.
    const pkg = JSON.parse(readText('package.json')) as { version: string };
    expect(r).toContain(`ARG VERSION=${pkg.version}`);
    expect(r.find((i) => i.startsWith('LABEL'))).toContain('org.opencontainers.image.version="${VERSION}"');
    const depsStage = all.find((s) => r.some((i) => i.startsWith(`COPY --from=${s.name ?? '?'} /app/node_modules`)));
    expect(depsStage?.instructions.some((i) => /^RUN .*npm ci --omit=dev/.test(i))).toBe(true);
  });
});
