// The real command line (`node src/cli/main.ts forecast parse ...`) on recorded payloads and
// the fixtures, as a user runs it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixture, repoRoot } from './helpers.ts';

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
    const out = await parsed('--provider', 'UKCarbonIntensity', '--file', `${payloads}/gbci_regional_intensity_range.min.json`, '--zone', 'North Scotland', '--now', '2019-08-25T12:40Z');
    expect(out.provider).toBe('UKCarbonIntensity');
    expect(out.points).toHaveLength(48);
    expect(Object.keys(out.points[0] ?? {})).toEqual(['start', 'end', 'carbonIntensity', 'renewableShare', 'renewableMW', 'estimated']);
    expect(out.points[0]).toMatchObject({ start: '2019-08-25T12:30:00.000Z', carbonIntensity: 23, renewableShare: 0.938 });
  });

  it('WattTime payload in g/kWh', async () => {
    const out = await parsed('--provider', 'WattTime', '--file', `${payloads}/watttime_aiowatttime_forecasted_emissions_response.json`, '--now', '2022-07-15T00:00Z');
    expect(out.points[0]?.carbonIntensity).toBeCloseTo(870 * 0.4536, 9);
  });

  it('OpenMeteo with a Hub manifest', async () => {
    const out = await parsed('--provider', 'OpenMeteo', '--file', `${fixtures}/open-meteo-single.json`, '--hub', `${fixtures}/hub-gansu.yaml`, '--now', '2026-06-01T03:00Z');
    expect(out.points[0]?.renewableMW).toBeCloseTo(261.92, 9);
  });

  it('Static points from YAML', async () => {
    const out = await parsed('--provider', 'Static', '--file', `${fixtures}/static-points.yaml`, '--now', '2026-11-29T00:00Z');
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

// Bodies a broken or hostile provider could send, written beside the test: the command refuses
// them with the operator's own rules (one parser, one set of checks).
const scratch = mkdtempSync(path.join(tmpdir(), 'westward-forecast-cli-'));
function written(name: string, body: unknown): string {
  const file = path.join(scratch, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}
const openMeteo = fixture('open-meteo-single.json') as { hourly: Record<string, unknown[]> };
function openMeteoWith(variable: string, values: unknown[]): unknown {
  return { ...openMeteo, hourly: { ...openMeteo.hourly, [variable]: values } };
}
const uk = fixture('uk-regionid.json') as { data: { data: { generationmix: { fuel: string; perc: number }[] }[] } };
const ukTripled = structuredClone(uk);
for (const entry of ukTripled.data.data) for (const m of entry.generationmix) m.perc *= 2.7;
const emAllNull = {
  zone: 'DE',
  forecast: [0, 1, 2].map((h) => ({ carbonIntensity: null, datetime: `2026-11-29T1${h}:00:00.000Z` })),
};
const hubGansu = readFileSync(`${repoRoot}${fixtures}/hub-gansu.yaml`, 'utf8');
const om = (file: string, ...rest: string[]) => ['--provider', 'OpenMeteo', '--file', file, '--hub', `${fixtures}/hub-gansu.yaml`, '--now', '2026-06-01T03:00Z', ...rest];

describe('westward forecast parse refuses what is not physically possible', { timeout: 30_000 }, () => {
  it.each([
    ['irradiance 1e9', om(written('gti-huge.json', openMeteoWith('global_tilted_irradiance', [1e9, 800, 0, null]))), /^forecast parse: OutOfRange: hourly\.global_tilted_irradiance\[0\]: 1000000000 W\/m² is outside/],
    ['irradiance −500', om(written('ghi-negative.json', openMeteoWith('shortwave_radiation', [-500, 720, 650, null]))), /OutOfRange: hourly\.shortwave_radiation\[0\]/],
    ['temperature −1e9', om(written('cold.json', openMeteoWith('temperature_2m', [25, -1e9, 25, 25]))), /OutOfRange: hourly\.temperature_2m\[1\]: -1000000000 °C/],
    ['wind 1e9', om(written('wind.json', openMeteoWith('wind_speed_80m', [15, 15, 1e9, 1]))), /OutOfRange: hourly\.wind_speed_80m\[2\]/],
    ['weather all null', om(written('om-null.json', { ...openMeteo, hourly: { ...openMeteo.hourly, global_tilted_irradiance: [null, null, null, null], shortwave_radiation: [null, null, null, null] } })), /TooFewPoints: hourly\.time: 0 of 4/],
    ['a UK mix of 270 %', ['--provider', 'UKCarbonIntensity', '--file', written('uk-270.json', ukTripled), '--now', '2026-11-29T10:00Z'], /OutOfRange: \$\.data\.data\[0\]\.generationmix: sources add up to 270 %/],
    ['an all-null Electricity Maps forecast', ['--provider', 'ElectricityMaps', '--file', written('em-null.json', emAllNull), '--now', '2026-11-29T10:00Z'], /TooFewPoints: \$\.forecast: 0 of 3/],
    ['points in 1970', ['--provider', 'ElectricityMaps', '--file', written('em-1970.json', { zone: 'DE', forecast: [{ carbonIntensity: 300, datetime: '1970-01-01T00:00:00Z' }] }), '--now', '2026-11-29T10:00Z'], /OutOfRange: \$\.forecast\[0\]: 1970-01-01T00:00:00\.000Z is not within 3 days before and 17 days after/],
    ['points in 2199', ['--provider', 'ElectricityMaps', '--file', written('em-2199.json', { zone: 'DE', forecast: [{ carbonIntensity: 300, datetime: '2199-01-01T00:00:00Z' }] }), '--now', '2026-11-29T10:00Z'], /OutOfRange: \$\.forecast\[0\]: 2199/],
    ['a recorded body read today', ['--provider', 'WattTime', '--file', `${payloads}/watttime_aiowatttime_forecasted_emissions_response.json`], /OutOfRange: \$\.data\[0\]\.forecast\[0\]: 2022-07-15/],
    ['a Hub at latitude 999', om(`${fixtures}/open-meteo-single.json`).map((a) => (a.endsWith('hub-gansu.yaml') ? written('hub-999.yaml', hubGansu.replace('latitude: 35.71', 'latitude: 999')) : a)), /Config: Hub manifest: spec\.location\.latitude: must be at most 90/],
    ['a Hub with negative solar', om(`${fixtures}/open-meteo-single.json`).map((a) => (a.endsWith('hub-gansu.yaml') ? written('hub-neg.yaml', hubGansu.replace('solarMW: 100', 'solarMW: -100')) : a)), /Config: Hub manifest: spec\.energy\.renewables\.solarMW: must be at least 0/],
    ['a file larger than a provider answer may be', ['--provider', 'WattTime', '--file', written('huge.json', ' '.repeat(4 * 1024 * 1024 + 1))], /^forecast parse: TooLarge: file .*huge\.json: 4194305 bytes, larger than the 4194304 bytes/],
    ['a --now that is no time', om(`${fixtures}/open-meteo-single.json`, '--now', 'yesterday'), /Config: --now: "yesterday"/],
  ])('%s: non-zero exit, one line saying what and where', async (_name, args, reason) => {
    const r = await cli(...args);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(reason);
    expect(r.code).not.toBe(0);
  });
});
