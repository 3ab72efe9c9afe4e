// Checks made before any work starts, so that a missing input, an output that cannot be written
// or a busy port fails in a second with one line instead of after a whole run.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { fsErrorMessage, InputError } from './errors.ts';

/** A file or directory that exists and can be read. */
export async function checkReadable(path: string, flag: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
    if ((await stat(path)).isDirectory()) await access(path, constants.X_OK);
  } catch (error) {
    throw new InputError(`${flag} ${fsErrorMessage(error, path)}`);
  }
}

/** A regular file (not a directory) that exists and can be read. */
export async function checkReadableFile(path: string, flag: string): Promise<void> {
  await checkReadable(path, flag);
  if ((await stat(path)).isDirectory()) throw new InputError(`${flag} ${path}: is a directory, expected a file`);
}

/**
 * A file that can be written: its folder exists and is writable, and the file, if it is there,
 * is a writable file. Nothing is created or truncated.
 */
export async function checkWritableFile(path: string, flag: string): Promise<void> {
  const folder = dirname(path);
  let existing: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    existing = await stat(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory() === true) throw new InputError(`${flag} ${path}: is a directory, expected a file`);
  try {
    if (existing === undefined) {
      if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await access(folder, constants.W_OK | constants.X_OK);
    } else {
      await access(path, constants.W_OK);
    }
  } catch (error) {
    const where = existing === undefined ? `${path}: cannot create the file in ${folder}` : path;
    throw new InputError(`${flag} ${fsErrorMessage(error, where)}`);
  }
}

const listenReasons: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name could not be resolved',
};

export interface PortClaim {
  readonly flag: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Binds each address and lets it go again, before anything connects anywhere: a port in use
 * or an address not on this machine is reported with its flag. Port 0 always binds.
 */
export async function checkCanListen(claims: readonly PortClaim[]): Promise<void> {
  for (const claim of claims) {
    if (claim.port === 0) continue;
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: claim.host, port: claim.port, exclusive: true }, resolve);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = (code !== undefined ? listenReasons[code] : undefined) ?? (error as Error).message;
      throw new InputError(`${claim.flag} ${claim.host}:${claim.port}: ${reason}`);
    }
    await new Promise<void>((resolve) => server.close(() => {
      resolve();
    }));
  }
}
