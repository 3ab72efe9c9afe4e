// Checks the PV model against a measured station: irradiance and air temperature in, modelled MW
// out, compared with the measured `Power (MW)`. Usage:
//   npm run bench:pv -- --csv ../shared/data/pv/cn_sgcc_solar_site1_hourly.csv --capacity-mw 50
// The last line is `nRMSE=<percent of capacity>` over all hours with data.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultPvParams, pvPowerMW } from '../../src/forecast/models/pv.ts';

const { values } = parseArgs({
  options: {
    csv: { type: 'string' },
    'capacity-mw': { type: 'string' },
    'ac-ratio': { type: 'string' },
  },
});
if (values.csv === undefined || values['capacity-mw'] === undefined) {
  console.error('usage: bench:pv -- --csv <file> --capacity-mw <N> [--ac-ratio <AC/DC>]');
  process.exit(2);
}
const capacityMW = Number(values['capacity-mw']);
const acRatio = values['ac-ratio'] === undefined ? undefined : Number(values['ac-ratio']);

const lines = readFileSync(values.csv, 'utf8').trim().split(/\r?\n/);
const header = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/\s+/g, ' '));
function column(prefix: string): number {
  const i = header.findIndex((h) => h.toLowerCase().startsWith(prefix.toLowerCase()));
  if (i < 0) throw new Error(`no column starting with "${prefix}" in ${values.csv ?? ''}`);
  return i;
}
const cTime = column('Time');
const cPoa = column('Total solar irradiance');
const cAir = column('Air temperature');
const cPower = column('Power (MW)');

interface Row { utcMs: number; poa: number; air: number; power: number }
const rows: Row[] = [];
for (const line of lines.slice(1)) {
  const f = line.split(',');
  const poa = Number(f[cPoa]);
  const air = Number(f[cAir]);
  const power = Number(f[cPower]);
  // Times are China Standard Time (UTC+8).
  const utcMs = Date.parse(`${(f[cTime] ?? '').replace(' ', 'T')}+08:00`);
  if ([poa, air, power, utcMs].every(Number.isFinite)) rows.push({ utcMs, poa, air, power });
}

function nrmse(predict: (r: Row) => number, subset: Row[]): { nrmse: number; bias: number } {
  let se = 0;
  let bias = 0;
  for (const r of subset) {
    const e = predict(r) - r.power;
    se += e * e;
    bias += e;
  }
  return { nrmse: (100 * Math.sqrt(se / subset.length)) / capacityMW, bias: (100 * bias) / subset.length / capacityMW };
}

const params = { ...defaultPvParams, ratedMW: capacityMW, ...(acRatio === undefined ? {} : { acLimitMW: capacityMW * acRatio }) };
const model = (r: Row): number => pvPowerMW(r.poa, r.air, params);
const daylight = rows.filter((r) => r.poa > 0);
const all = nrmse(model, rows);
const day = nrmse(model, daylight);
const maxMeasured = Math.max(...rows.map((r) => r.power));
console.log(`rows=${rows.length} daylight=${daylight.length} maxMeasuredMW=${maxMeasured.toFixed(2)}`);
console.log(`daylight: nRMSE=${day.nrmse.toFixed(2)}% bias=${day.bias.toFixed(2)}% of capacity`);
console.log(`all hours: bias=${all.bias.toFixed(2)}% of capacity`);
console.log(`nRMSE=${all.nrmse.toFixed(2)}`);
