// Crash points for tests of crash safety: WESTWARD_FAILPOINTS=name[,name] makes the process kill
// itself with SIGKILL when it reaches one of them, as a power cut or an OOM kill would. Unset
// (always, outside such tests) it does nothing.
const armed = new Set((process.env.WESTWARD_FAILPOINTS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));

export function failpoint(name: string): void {
  if (!armed.has(name)) return;
  process.stderr.write(`{"level":"fatal","msg":"Failpoint reached; killing the process","failpoint":"${name}"}\n`);
  process.kill(process.pid, 'SIGKILL');
}
