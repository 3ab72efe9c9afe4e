// Generates src/api/generated/ from crds/ (`npm run generate:api`), or with --check regenerates
// into a temporary directory and fails when the committed files differ (`npm run check:api`).
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { generateApiSources, type GeneratedFiles } from './codegen.ts';
import type { CustomResourceDefinition } from './schema.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const crdDir = path.join(repoRoot, 'crds');
const outDir = path.join(repoRoot, 'src/api/generated');

/** The CRDs in crds/, in file-name order, with their repo-relative paths. */
export async function readCrds(dir = crdDir): Promise<{ crd: CustomResourceDefinition; source: string }[]> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('westward.io_') && n.endsWith('.yaml')).sort();
  return Promise.all(
    names.map(async (n) => ({
      crd: parse(await readFile(path.join(dir, n), 'utf8')) as CustomResourceDefinition,
      source: path.relative(repoRoot, path.join(dir, n)),
    })),
  );
}

async function writeAll(dir: string, files: GeneratedFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of files) await writeFile(path.join(dir, name), text);
}

/** Names of files that differ between the committed directory and a fresh generation. */
async function staleFiles(files: GeneratedFiles): Promise<string[]> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'westward-api-'));
  try {
    await writeAll(scratch, files);
    const committed = new Set((await readdir(outDir).catch(() => [])).filter((n) => n.endsWith('.ts')));
    const stale: string[] = [];
    for (const name of new Set([...files.keys(), ...committed])) {
      const fresh = await readFile(path.join(scratch, name), 'utf8').catch(() => undefined);
      const old = await readFile(path.join(outDir, name), 'utf8').catch(() => undefined);
      if (fresh !== old) stale.push(name);
    }
    return stale.sort();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const files = generateApiSources(await readCrds());
  if (argv.includes('--check')) {
    const stale = await staleFiles(files);
    if (stale.length > 0) {
      console.error(`src/api/generated/ is stale (${stale.join(', ')}): run npm run generate:api`);
      return 1;
    }
    console.log('src/api/generated/ matches crds/');
    return 0;
  }
  await writeAll(outDir, files);
  console.log(`wrote ${[...files.keys()].join(', ')} to src/api/generated/`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
