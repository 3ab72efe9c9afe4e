import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listenAddress, namespaceList, namespaceName, objectName, positiveDuration, wholeNumber } from '../../../src/cli/flags.ts';
import { parseCount, parseTime } from '../../../src/simulate/options.ts';

describe('flag values', () => {
  it.each([
    ['2', 1, 2],
    ['0', 0, 0],
    ['0010', 1, 10],
    ['9007199254740991', 1, Number.MAX_SAFE_INTEGER],
  ])('whole number %j (min %d) is %d', (text, min, value) => {
    expect(wholeNumber(min)(text)).toBe(value);
  });

  it.each([
    ['two', 1, /whole number/],
    ['', 1, /whole number/],
    [' 2', 1, /whole number/],
    ['2.0', 1, /whole number/],
    ['1e3', 1, /whole number/],
    ['-1', 0, /whole number/],
    ['0x10', 1, /whole number/],
    ['9007199254740993', 1, /whole number/],
    ['0', 1, /at least 1/],
  ])('refuses whole number %j (min %d)', (text, min, reason) => {
    expect(() => wholeNumber(min)(text)).toThrow(InvalidArgumentError);
    expect(() => wholeNumber(min)(text)).toThrow(reason);
  });

  it('takes exactly the digit strings as whole numbers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (text) => {
        const digits = /^[0-9]+$/.test(text);
        let read: number | undefined;
        try {
          read = wholeNumber(0)(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArgumentError);
        }
        expect(read !== undefined).toBe(digits);
        if (read !== undefined) expect(read).toBe(Number.parseInt(text, 10));
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it.each([
    ['1m', 60_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
  ])('duration %j is %d ms', (text, ms) => {
    expect(positiveDuration(text)).toBe(ms);
  });

  it.each([
    ['1x', /invalid duration "1x"/],
    ['60', /invalid duration "60"/],
    ['', /invalid duration ""/],
    ['0', /above zero/],
    ['0s', /above zero/],
    ['-1m', /invalid duration/],
  ])('refuses duration %j', (text, reason) => {
    expect(() => positiveDuration(text)).toThrow(reason);
  });

  it.each([
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
    ['localhost:8081', { host: 'localhost', port: 8081 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::]:8080', { host: '::', port: 8080 }],
  ])('listen address %j', (text, address) => {
    expect(listenAddress(text)).toEqual(address);
  });

  it.each([
    ['8080', /host:port/],
    [':', /port ""/],
    [':99999', /port "99999"/],
    [':80a', /port "80a"/],
    [':-1', /port "-1"/],
    ['bad_host:80', /host "bad_host"/],
    ['::1:8080', /host "::1"/],
    ['[127.0.0.1]:80', /host "\[127.0.0.1\]"/],
    ['300.1.1.1:80', /host "300.1.1.1"/],
  ])('refuses listen address %j', (text, reason) => {
    expect(() => listenAddress(text)).toThrow(reason);
  });

  it('reads back every IPv4 address and port it is given', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (host, port) => {
        expect(listenAddress(`${host}:${port}`)).toEqual({ host, port });
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it.each([
    ['default', true],
    ['team-a', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['Team-A', false],
    ['team_a', false],
    ['-team', false],
    ['team.a', false],
    ['', false],
  ])('namespace name %j: %s', (text, valid) => {
    if (valid) expect(namespaceName(text)).toBe(text);
    else expect(() => namespaceName(text)).toThrow(/not a namespace name/);
  });

  it('collects repeated namespaces, each checked', () => {
    expect(namespaceList('b', namespaceList('a', undefined))).toEqual(['a', 'b']);
    expect(() => namespaceList('B', ['a'])).toThrow(InvalidArgumentError);
  });

  it.each([
    ['westward-operator', true],
    ['westward.io', true],
    ['', false],
    ['Westward', false],
    ['a/b', false],
  ])('object name %j: %s', (text, valid) => {
    if (valid) expect(objectName(text)).toBe(text);
    else expect(() => objectName(text)).toThrow(/not an object name/);
  });
});

describe('simulate counts and times are strict', () => {
  it.each(['', ' 1', '1e3', '0x1', '+1', '1.0', '9007199254740993'])('refuses count %j', (text) => {
    expect(() => parseCount(text, '--seed')).toThrow(`invalid --seed "${text}"`);
  });

  it.each(['5', '2023', 'Jan 1 2023', '2023-02-30', '2023-13-01', '2023-01-01T25:00:00Z', '2023-1-1'])('refuses time %j', (text) => {
    expect(() => parseTime(text, '--from')).toThrow(`invalid --from "${text}"`);
  });

  it.each([
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2023-06-01T12:30', Date.UTC(2023, 5, 1, 12, 30)],
    ['2023-06-01T12:30:00.5Z', Date.UTC(2023, 5, 1, 12, 30, 0, 500)],
    ['2023-06-01T20:00:00+08:00', Date.UTC(2023, 5, 1, 12)],
  ])('reads time %j', (text, ms) => {
    expect(parseTime(text, '--from')).toBe(ms);
  });
});
