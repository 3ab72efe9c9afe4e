// Strict readers of flag values for commander's argParser. Each returns the value or throws
// commander's InvalidArgumentError, which commander prints as one line naming the flag and the
// value ("option '--plan-interval <duration>' argument '1x' is invalid. ...") and exits 1.
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../api/duration.ts';

const digits = /^[0-9]+$/;

/** Digits only ("2", not "2.0", "1e3", " 2" or ""), from `min` up to the largest safe integer. */
export function wholeNumber(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!digits.test(text) || !Number.isSafeInteger(value)) throw new InvalidArgumentError(`expected a whole number (digits only)`);
    if (value < min) throw new InvalidArgumentError(`must be at least ${min}`);
    return value;
  };
}

/** A Go-style duration ("90s", "15m", "1h30m") above zero, in milliseconds. */
export function positiveDuration(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (ms <= 0) throw new InvalidArgumentError('must be above zero');
  return ms;
}

export interface ListenAddress {
  /** '0.0.0.0' when the flag left the host out (":8080"), as controller-runtime reads it. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const hostname = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** "host:port", ":port" (every interface) or "[v6]:port"; the port 0..65535 in digits. */
export function listenAddress(text: string): ListenAddress {
  const at = text.lastIndexOf(':');
  if (at < 0) throw new InvalidArgumentError('expected host:port, :port or [ipv6]:port');
  const rawHost = text.slice(0, at);
  const rawPort = text.slice(at + 1);
  const port = Number(rawPort);
  if (!digits.test(rawPort) || port > 65535) throw new InvalidArgumentError(`port "${rawPort}" is not a number from 0 to 65535`);
  const bracketed = /^\[(.*)\]$/.exec(rawHost);
  const host = bracketed?.[1] ?? rawHost;
  if (host === '') return { host: '0.0.0.0', port };
  // Dotted digits are an IPv4 address or nothing ("300.1.1.1" is not a host name).
  const valid = bracketed === null ? isIP(host) === 4 || (hostname.test(host) && !/^[0-9.]+$/.test(host)) : isIP(host) === 6;
  if (!valid) throw new InvalidArgumentError(`host "${rawHost}" is not an IPv4 address, [IPv6] address or host name`);
  return { host, port };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A namespace name: an RFC 1123 label (lower case, digits, '-', at most 63). */
export function namespaceName(text: string): string {
  if (!dnsLabel.test(text)) throw new InvalidArgumentError('not a namespace name (lower-case letters, digits and "-", at most 63)');
  return text;
}

/** Repeated or space-separated namespaces (`--namespace a b --namespace c`), each checked. */
export function namespaceList(text: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), namespaceName(text)];
}

/** An object name such as a Lease's: an RFC 1123 subdomain. */
export function objectName(text: string): string {
  if (!dnsSubdomain.test(text)) throw new InvalidArgumentError('not an object name (lower-case letters, digits, "-" and ".", at most 253)');
  return text;
}
