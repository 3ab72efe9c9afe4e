// Structured JSON logs in the Kubernetes message style: a short capitalised message naming what
// happened ("Patched Deployment") with the details as key/values, never interpolated.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent; default from LOG_LEVEL, else info. */
  readonly level?: LevelWithSilent;
  /** Bound to every line as `logger`, e.g. "westward" or a controller name. */
  readonly name?: string;
  /** Where lines go; default stdout. */
  readonly destination?: DestinationStream;
}

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseLevel(value: string | undefined, fallback: LevelWithSilent = 'info'): LevelWithSilent {
  const v = value?.trim().toLowerCase();
  return v !== undefined && LEVELS.includes(v) ? (v as LevelWithSilent) : fallback;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? parseLevel(process.env.LOG_LEVEL);
  const config = {
    level,
    base: options.name === undefined ? null : { logger: options.name },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names rather than numbers, as Kubernetes tooling and people read them.
    formatters: { level: (label: string) => ({ level: label }) },
    // Errors as {err: {type, message, stack}} under a stable key.
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The key/values that identify an object in log lines: kind, namespace, name. */
export function objectRef(kind: string, key: string): { kind: string; namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { kind, name: key } : { kind, namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
