// Statements in the docs that the code decides: every operator flag in the install guide's flag
// table, the Node.js version the README asks for, the Lease name.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readText, repoRoot } from './repo.ts';

const help = execFileSync(process.execPath, ['src/main.ts', '--help'], { cwd: repoRoot, encoding: 'utf8' });
const flags = [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1] ?? ''))].filter((f) => f !== '--help');

function section(doc: string, heading: string): string {
  const start = doc.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe('docs/install.md', () => {
  const table = section(readText('docs/install.md'), 'Command-line flags');

  it('lists every flag the operator takes', () => {
    expect(flags).toEqual(expect.arrayContaining(['--kubeconfig', '--leader-elect', '--plan-interval', '--version']));
    expect(flags.filter((f) => !table.includes(`| \`${f}`))).toEqual([]);
  });

  it('names the Lease the operator uses by default', () => {
    const lease = /--leader-election-id <name>\s+name of the Lease \(default: "([^"]+)"\)/.exec(help)?.[1];
    expect(lease).toBe('westward-operator');
    expect(table).toContain(`| \`--leader-election-id <name>\` | \`${lease ?? ''}\``);
    expect(readText('docs/operations.md')).toContain(`Lease \`${lease ?? ''}\``);
  });
});

describe('README.md', () => {
  it('asks for the Node.js version package.json’s engines declares', () => {
    const engines = (JSON.parse(readText('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toMatch(/^>=\d+\.\d+$/);
    expect(readText('README.md')).toContain(`Node.js ≥ ${engines.slice(2)}`);
  });

  it('applies nothing from config/samples to a real cluster', () => {
    const usage = section(readText('README.md'), 'Using it on a cluster');
    expect(usage).not.toMatch(/kubectl apply[^\n]*config\/samples/);
    expect(usage).toContain('config/examples/');
  });
});
