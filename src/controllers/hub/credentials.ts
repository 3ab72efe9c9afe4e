// Where a Hub's provider credentials may come from. Hub authors name a Secret; only the
// installer decides which namespaces the operator reads Secrets in, so a Hub author cannot make
// Westward fetch a Secret they could not read themselves and send it to a URL of their choosing.
// Pure: the IO lives in forecasts.ts.
import type { KubeApiError } from '../../runtime/errors.ts';

export interface SecretRef {
  namespace: string;
  name: string;
  key: string;
}

/** The reason of the ForecastFresh condition of a Hub whose Secret is outside the allowed namespaces. */
export const credentialsNotAllowedReason = 'CredentialsNotAllowed';

/**
 * Why the operator will not read `ref`, or undefined when it may. `allowed` is the installer's
 * list (--credentials-namespace), never empty.
 */
export function credentialsRefusal(ref: SecretRef, allowed: readonly string[]): string | undefined {
  if (allowed.includes(ref.namespace)) return undefined;
  return (
    `credentialsSecretRef names namespace ${ref.namespace}; Westward reads credentials only from ` +
    `${allowed.join(', ')} (set by the installer with --credentials-namespace); no request was sent`
  );
}

/**
 * A missing Secret is the Hub's mistake, shown like any other spec problem. Every other failure
 * (403, 5xx, the API server unreachable) is the cluster's, not the provider's: it must not count
 * as a failed fetch or change how fresh the forecast is.
 */
export function isHubsFault(error: KubeApiError): boolean {
  return error.kind === 'NotFound';
}
