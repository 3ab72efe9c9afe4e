// Credentials never leave in a message, whatever their length and however a provider echoes
// them: the pure redaction, then the provider clients over real HTTP.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForecastError } from '../../../src/forecast/errors.ts';
import { credentialValues, headerSecrets, maxMessageLength, redact, redactError, redactionMark } from '../../../src/forecast/redact.ts';
import type { Credentials } from '../../../src/forecast/request.ts';
import { createForecastSource } from '../../../src/forecast/source.ts';
import { hub } from './helpers.ts';
import { json, startServer, type TestServer } from './server.ts';

describe('redact', () => {
  it.each([
    ['a short token', 'Token unauthorized: ab1', ['ab1'], 'Token unauthorized: <redacted>'],
    ['one character', 'key x is bad', ['x'], 'key <redacted> is bad'],
    ['every occurrence', 'ab1/ab1 and ab1', ['ab1'], '<redacted>/<redacted> and <redacted>'],
    ['overlapping secrets blanked as one', 'xx secret-token yy', ['secret', 'et-tok'], 'xx <redacted>en yy'],
    ['one secret inside another', 'got pa55word', ['pa55', 'pa55word'], 'got <redacted>'],
    ['JSON-escaped', 'echo "a\\"b\\\\c"', ['a"b\\c'], 'echo "<redacted>"'],
    ['URL-encoded', 'GET /x?key=a%2Fb%20c', ['a/b c'], 'GET /x?key=<redacted>'],
    ['nothing to hide', 'HTTP 503 (busy)', ['ab1'], 'HTTP 503 (busy)'],
    ['empty secrets are no secrets', 'HTTP 503 (busy)', [''], 'HTTP 503 (busy)'],
  ])('%s', (_name, text, secrets, expected) => {
    expect(redact(text, secrets)).toBe(expected);
  });

  it('what survives is only text of the original that holds no secret', () => {
    const secret = fc.string({ minLength: 1, maxLength: 8 });
    const text = fc.array(fc.oneof(fc.string({ maxLength: 12 }), secret), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, fc.array(secret, { minLength: 1, maxLength: 3 }), (t, secrets) => {
      // the secrets also as parts of the text, to make hits likely
      const message = `${t}${secrets.join(' ')}${t}`;
      for (const piece of redact(message, secrets).split(redactionMark)) {
        expect(message).toContain(piece);
        for (const s of secrets) expect(piece).not.toContain(s);
      }
    }), { numRuns: 2000 });
  });

  it('header values: the whole value and the credential after its scheme', () => {
    expect(headerSecrets('Bearer ab1')).toEqual(['Bearer ab1', 'ab1']);
    expect(headerSecrets('Basic YWxpY2U6cHc=')).toEqual(['Basic YWxpY2U6cHc=', 'YWxpY2U6cHc=']);
    expect(headerSecrets('ab1')).toEqual(['ab1']);
  });

  it('credential values of both kinds, a username included', () => {
    expect(credentialValues({ token: 'ab1' })).toEqual(['ab1']);
    expect(credentialValues({ username: 'al', password: 'pw' })).toEqual(['al', 'pw']);
    expect(credentialValues(undefined)).toEqual([]);
  });

  it('a message is cut to a bound only after redaction', () => {
    const secret = 'k'.repeat(30);
    const e = redactError(new ForecastError('Http', `${'a'.repeat(maxMessageLength - 10)}${secret}${'b'.repeat(5000)}`), [secret]);
    expect(e.message).toHaveLength(maxMessageLength);
    expect(e.message).toContain('<redac');
    expect(e.message).not.toContain('kkk');
  });

  it('an error keeps its kind, status and Retry-After, and loses its cause (the request it failed on)', () => {
    const cause = new Error('request with headers {"auth-token":"ab1"}');
    const e = redactError(new ForecastError('RateLimited', 'HTTP 429 (slow down, ab1)', { status: 429, retryAfterMs: 3_600_000, cause }), ['ab1']);
    expect(e).toMatchObject({ kind: 'RateLimited', status: 429, retryAfterMs: 3_600_000, message: 'HTTP 429 (slow down, <redacted>)' });
    expect(e.cause).toBeUndefined();
  });
});

describe('credentials echoed by a provider over real HTTP', () => {
  let server: TestServer;
  const clock = Date.UTC(2026, 10, 29, 10, 0);
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const fetch = () => createForecastSource({ now: () => clock, sleep: () => Promise.resolve(), random: () => 0.5, retries: 0 });

  // 'ab1' once leaked for being short; a value over 40 characters once leaked cut in a quote.
  const tokens = ['ab1', 'x', 'em-long-secret-token-0123456789', 'em-token-7f3c9a1b2d4e6f8091a2b3c4d5e6f708-and-then-some-more', 'quo"te\\back'];
  /** Ways a provider turns a request's token into an answer. */
  const echoes: [string, string, (token: string) => [number, unknown]][] = [
    ['a 401 message', 'Auth', (t) => [401, { message: `Token unauthorized for zoneKey: ${t}` }]],
    ['a 500 detail', 'Http', (t) => [500, { detail: `upstream rejected auth-token=${t}` }]],
    ['a value in a 200 body', 'Schema', (t) => [200, { zone: 'DE', forecast: [{ carbonIntensity: t, datetime: '2026-11-29T10:00:00Z' }] }]],
    ['a time in a 200 body', 'Schema', (t) => [200, { zone: 'DE', forecast: [{ carbonIntensity: 300, datetime: t }] }]],
    ['an error envelope in a 200 body', 'Http', (t) => [200, { error: `bad token ${t}` }]],
    ['a long 401 text body, cut for the message', 'Auth', (t) => [401, `${'y'.repeat(100)} ${t} `.repeat(20)]],
    ['a non-JSON 200 body', 'Schema', (t) => [200, `<html>${t}</html>`]],
  ];

  for (const token of tokens) {
    it.each(echoes)(`token ${JSON.stringify(token)} echoed in %s: a %s error without it`, async (_name, kind, echo) => {
      server.route('/v3/carbon-intensity/forecast', (req, res) => {
        expect(req.headers['auth-token']).toBe(token);
        const [status, body] = echo(String(req.headers['auth-token']));
        if (typeof body === 'string') res.writeHead(status, { 'content-type': 'text/html' }).end(body);
        else json(res, status, body);
      });
      const h = hub({ credentials: { token } }, { provider: 'ElectricityMaps', url: server.url, zone: 'DE' });
      const result = (await fetch()([h])).get(h.hub);
      expect(result).toBeInstanceOf(ForecastError);
      expect((result as ForecastError).kind).toBe(kind);
      const message = (result as ForecastError).message;
      expect(message).not.toContain(token);
      expect(message).not.toContain(JSON.stringify(token).slice(1, -1));
      // nor a part of it, as a cut quote would leave
      if (token.length >= 12) for (const part of [token.slice(0, 8), token.slice(-8)]) expect(message).not.toContain(part);
    });
  }

  it('WattTime: a short username and password, and the session token, never show', async () => {
    const credentials: Credentials = { username: 'al', password: 'pw1' };
    server.route('/login', (req, res) => {
      if (req.headers.authorization === `Basic ${Buffer.from('al:pw1').toString('base64')}`) json(res, 200, { token: 'jwt-session-9f8e' });
      else json(res, 403, { error: 'denied' });
    });
    // the forecast answer quotes the session token in a field the parser rejects
    server.route('/v3/forecast', (req, res) => {
      json(res, 200, { data: [{ point_time: req.headers.authorization, value: 1 }], meta: { units: 'lbs_co2_per_mwh', login: 'al', password: 'pw1' } });
    });
    const h = hub({ credentials }, { provider: 'WattTime', url: server.url, zone: 'CAISO_NORTH' });
    const result = (await fetch()([h])).get(h.hub);
    expect(result).toBeInstanceOf(ForecastError);
    const message = (result as ForecastError).message;
    expect(message).toContain('point_time');
    expect(message).not.toContain('jwt-session-9f8e');
    for (const v of ['al', 'pw1']) expect(message).not.toContain(v);
  });
});
