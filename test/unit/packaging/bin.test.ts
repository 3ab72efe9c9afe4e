// The `westward` and operator commands as a user meets them: --version from a clone, and the bin
// of the tarball `npm pack` makes, which carries compiled JavaScript and no TypeScript.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readText, repoRoot } from './repo.ts';

const pkg = JSON.parse(readText('package.json')) as { version: string; bin: Record<string, string> };
const node = (args: string[], cwd = repoRoot): string => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }).trim();

describe('--version', () => {
  it.each([
    ['the CLI bin', pkg.bin.westward ?? ''],
    ['the CLI sources', 'src/cli/main.ts'],
    ['the operator', 'src/main.ts'],
  ])('%s prints package.json’s version', (_what, file) => {
    expect(file).not.toBe('');
    expect(node([file, '--version'])).toBe(pkg.version);
  });
});

describe('npm pack', () => {
  let dir = '';
  let files: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'westward-pack-'));
    // prepack compiles src/ to dist/ first.
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = packed?.files.map((f) => f.path) ?? [];
    execFileSync('tar', ['-xzf', path.join(dir, packed?.filename ?? ''), '-C', dir]);
    // The dependencies an install would bring.
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'package', 'node_modules'));
  }, 300_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the bin, the compiled CLI and operator, and the CRDs, but no TypeScript or tests', () => {
    expect(files).toEqual(expect.arrayContaining([pkg.bin.westward, 'dist/src/cli/main.js', 'dist/src/main.js', 'crds/westward.io_hubs.yaml']));
    expect(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.includes('.test.'))).toEqual([]);
  });

  it('runs its bin from the compiled JavaScript', () => {
    const packageDir = path.join(dir, 'package');
    expect(node([pkg.bin.westward ?? '', '--version'], packageDir)).toBe(pkg.version);
    expect(node([pkg.bin.westward ?? '', '--help'], packageDir)).toContain('simulate');
  });
});
