// Errors of input (flags, files, kubeconfig, ports) are the user's to fix: they are printed as
// one line that says what is wrong and where, and the process exits 1 without a stack trace.
// Anything else is a bug and keeps its stack.

/** Bad input found before or during a run; the message names the flag or the path. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Error classes of the project whose messages already say what and where in the input. */
const inputErrorNames = new Set(['InputError', 'OptionError', 'TraceError', 'ScenarioError', 'QuantityError', 'LabelSelectorError', 'YAMLParseError', 'ListenError']);

const fsReasons: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
};

/** "nope.csv: no such file or directory" for a failed file operation. */
export function fsErrorMessage(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return `${path}: ${(code !== undefined ? fsReasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error))}`;
}

/** The one-line message of an input error, or undefined when the error is not one. */
export function inputErrorLine(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const errno = error as NodeJS.ErrnoException;
  if (inputErrorNames.has(error.name)) return oneLine(error.message);
  // A file that vanished or became unreadable after the checks up front.
  if (errno.code !== undefined && errno.path !== undefined && errno.code in fsReasons) return oneLine(fsErrorMessage(error, errno.path));
  return undefined;
}

/** Whitespace runs, newlines included, to single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** For commander's outputError: its message, and a "Did you mean" on the next line, as one line. */
export function printOneLine(text: string, write: (text: string) => void): void {
  write(`${oneLine(text)}\n`);
}

/** Prints an input error as `error: ...` and exits 1; rethrows anything else. */
export function exitOnInputError(error: unknown): never {
  const line = inputErrorLine(error);
  if (line === undefined) throw error;
  process.stderr.write(`error: ${line}\n`);
  process.exit(1);
}
