// Finds and checks the kubeconfig before anything talks to a server: a missing, unreadable or
// malformed file, a current context that names nothing, or a certificate file that is not there
// is one line naming the file, rather than a stack trace or a retry loop against localhost:8080.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { fsErrorMessage, InputError, oneLine } from './errors.ts';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSources {
  /** --kubeconfig */
  readonly path?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
}

function checkFile(path: string, what: string): void {
  try {
    accessSync(path, constants.R_OK);
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw new InputError(`${what} ${fsErrorMessage(error, path)}`);
  }
}

function load(what: string, read: () => void): void {
  try {
    read();
  } catch (error) {
    // The YAML parser's message goes on with an excerpt of the file; its first line says where.
    // A document that is not a mapping makes the client fail on a property read.
    const reason = error instanceof TypeError ? 'expected a mapping with clusters, contexts and users' : ((error as Error).message.split('\n')[0] ?? '');
    throw new InputError(`${what}: not a valid kubeconfig: ${oneLine(reason)}`);
  }
}

/** The kubeconfig from --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else in-cluster. */
export function loadKubeConfig(sources: KubeConfigSources = {}): KubeConfig {
  const env = sources.env ?? process.env;
  const kc = new KubeConfig();
  let what: string;
  if (sources.path !== undefined) {
    what = `--kubeconfig ${sources.path}`;
    checkFile(sources.path, '--kubeconfig');
    load(what, () => {
      kc.loadFromFile(sources.path as string);
    });
  } else if ((env.KUBECONFIG ?? '') !== '') {
    const files = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
    what = `KUBECONFIG ${files.join(delimiter)}`;
    for (const file of files) checkFile(file, 'KUBECONFIG');
    load(what, () => {
      kc.loadFromFile(files[0] ?? '');
      for (const file of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more);
      }
    });
  } else if (existsSync(join(sources.home ?? homedir(), '.kube', 'config'))) {
    const file = join(sources.home ?? homedir(), '.kube', 'config');
    what = file;
    checkFile(file, 'kubeconfig');
    load(what, () => {
      kc.loadFromFile(file);
    });
  } else if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '' && existsSync(serviceAccountToken)) {
    what = 'in-cluster config';
    load(what, () => {
      kc.loadFromCluster();
    });
  } else {
    throw new InputError('no kubeconfig: pass --kubeconfig <file>, set KUBECONFIG, or run in a cluster');
  }
  checkCurrentContext(kc, what);
  return kc;
}

function checkCurrentContext(kc: KubeConfig, what: string): void {
  const contextName = kc.getCurrentContext();
  if (!contextName) throw new InputError(`${what}: no current-context`);
  const context = kc.getContextObject(contextName);
  if (context === null) throw new InputError(`${what}: current-context "${contextName}" is not among its contexts`);
  const cluster = kc.getCluster(context.cluster);
  if (cluster === null) throw new InputError(`${what}: context "${contextName}" names cluster "${context.cluster}", which is not among its clusters`);
  let url: URL | undefined;
  try {
    url = new URL(cluster.server);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new InputError(`${what}: cluster "${cluster.name}" server "${cluster.server}" is not an http(s) URL`);
  }
  // The client refuses plain HTTP at the first request; say so now.
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    throw new InputError(`${what}: cluster "${cluster.name}" server "${cluster.server}" is plain http, which the client refuses unless insecure-skip-tls-verify is true`);
  }
  if (cluster.caFile !== undefined) checkFile(cluster.caFile, `${what}: cluster "${cluster.name}" certificate-authority`);
  if (context.user) {
    const user = kc.getUser(context.user);
    if (user === null) throw new InputError(`${what}: context "${contextName}" names user "${context.user}", which is not among its users`);
    if (user.certFile !== undefined) checkFile(user.certFile, `${what}: user "${user.name}" client-certificate`);
    if (user.keyFile !== undefined) checkFile(user.keyFile, `${what}: user "${user.name}" client-key`);
  }
}
