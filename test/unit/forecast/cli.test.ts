// The real command line (`node src/cli/main.ts forecast parse ...`) on recorded payloads and
// the fixtures, as a user runs it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.ts';

const run = promisify(execFile);
// The project's Node 24 (the system node may be older).
const node = existsSync(`${repoRoot}node_modules/.bin/node`) ? `${repoRoot}node_modules/.bin/node` : process.execPath;
const payloads = '../shared/data/payloads';
const fixtures = 'test/fixtures/forecast';

interface Out { provider: string; points: { start: string; end: string; carbonIntensity: number | null; renewableShare: number | null; renewableMW: number | null; estimated: boolean }[] }

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, ['src/cli/main.ts', 'forecast', 'parse', ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function parsed(...args: string[]): Promise<Out> {
  const r = await cli(...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Out;
}

describe('westward forecast parse', { timeout: 30_000 }, () => {
  it('UK regional payload by region name', async () => {
    const out = await parsed('--provider', 'UKCarbonIntensity', '--file', `${payloads}/gbci_regional_intensity_range.min.json`, '--zone', 'North Scotland');
    expect(out.provider).toBe('UKCarbonIntensity');
    expect(out.points).toHaveLength(48);
    expect(Object.keys(out.points[0] ?? {})).toEqual(['start', 'end', 'carbonIntensity', 'renewableShare', 'renewableMW', 'estimated']);
    expect(out.points[0]).toMatchObject({ start: '2019-08-25T12:30:00.000Z', carbonIntensity: 23, renewableShare: 0.938 });
  });

  it('WattTime payload in g/kWh', async () => {
    const out = await parsed('--provider', 'WattTime', '--file', `${payloads}/watttime_aiowatttime_forecasted_emissions_response.json`);
    expect(out.points[0]?.carbonIntensity).toBeCloseTo(870 * 0.4536, 9);
  });

  it('OpenMeteo with a Hub manifest', async () => {
    const out = await parsed('--provider', 'OpenMeteo', '--file', `${fixtures}/open-meteo-single.json`, '--hub', `${fixtures}/hub-gansu.yaml`);
    expect(out.points[0]?.renewableMW).toBeCloseTo(261.92, 9);
  });

  it('Static points from YAML', async () => {
    const out = await parsed('--provider', 'Static', '--file', `${fixtures}/static-points.yaml`);
    expect(out.points.map((p) => p.renewableShare)).toEqual([0.4, 0.85]);
  });

  it.each([
    [['--provider', 'UKCarbonIntensity', '--file', `${payloads}/gbci_error_400.json`], /^forecast parse: Http: .*valid datetime/],
    [['--provider', 'UKCarbonIntensity', '--file', `${payloads}/gbci_regional_intensity_range.min.json`], /Config: .*zone/],
    [['--provider', 'WattTime', '--file', `${payloads}/watttime_aiowatttime_invalid_scope_response.json`], /Http: .*Invalid scope/],
    [['--provider', 'WattTime', '--file', `${fixtures}/watttime-out-of-order.json`], /OutOfOrder: \$\.data\[1\]\.point_time/],
    [['--provider', 'OpenMeteo', '--file', `${fixtures}/open-meteo-html.json`, '--hub', `${fixtures}/hub-gansu.yaml`], /Schema: .*not JSON/],
    [['--provider', 'OpenMeteo', '--file', `${fixtures}/open-meteo-single.json`], /Config: OpenMeteo needs the hub/],
    [['--provider', 'Nope', '--file', `${fixtures}/open-meteo-single.json`], /--provider/],
    [['--provider', 'WattTime', '--file', `${fixtures}/does-not-exist.json`], /ENOENT/],
  ])('bad input %j: non-zero exit, one line on stderr', async (args, reason) => {
    const r = await cli(...args);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(reason);
  });
});
