// /metrics behind Kubernetes authentication and authorisation, as kubebuilder operators serve it
// with --metrics-secure: the bearer token is checked with a TokenReview, then the API server is
// asked (SubjectAccessReview) whether its user may `get` the non-resource URL /metrics.
// 401 without a valid token, 403 without the right, 200 with it.
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig, type V1SubjectAccessReview, type V1TokenReview } from '@kubernetes/client-node';
import { plain } from '../runtime/plain.ts';

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The two API-server questions. Contract: both reject only when the API server did not answer. */
export interface AccessReviews {
  /** the token's user, or undefined when the token is not valid */
  authenticate(token: string): Promise<ReviewedUser | undefined>;
  mayGet(user: ReviewedUser, path: string): Promise<boolean>;
}

export function kubernetesAccessReviews(kubeConfig: KubeConfig): AccessReviews {
  const authn = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  return {
    authenticate: async (token) => {
      const review = await authn.createTokenReview({ body: plain<V1TokenReview>({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }) });
      const user = review.status?.user;
      if (review.status?.authenticated !== true || user?.username === undefined) return undefined;
      return { username: user.username, uid: user.uid, groups: user.groups, extra: user.extra };
    },
    mayGet: async (user, path) => {
      const review = await authz.createSubjectAccessReview({
        body: plain<V1SubjectAccessReview>({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path, verb: 'get' } },
        }),
      });
      return review.status?.allowed === true;
    },
  };
}

/** What to answer a scrape: 200 go ahead, 401 no valid token, 403 not allowed, 503 could not ask. */
export type AccessDecision = 200 | 401 | 403 | 503;

export interface MetricsAuthOptions {
  reviews: AccessReviews;
  now: () => number;
  /** how long an answer is reused for the same token; default 60 s */
  ttlMs?: number;
  /** the same for a refusal, shorter so a newly granted right takes effect soon; default 10 s */
  deniedTtlMs?: number;
  /** tokens remembered at most; default 256 */
  maxEntries?: number;
}

/**
 * Decides a request by its Authorization header. Answers are kept per token (by its hash, never
 * the token) for a short while, so a scrape every few seconds does not cost two API calls each.
 */
export function metricsAuthorizer(options: MetricsAuthOptions): (authorization: string | undefined, path: string) => Promise<AccessDecision> {
  const ttlMs = options.ttlMs ?? 60_000;
  const deniedTtlMs = Math.min(ttlMs, options.deniedTtlMs ?? 10_000);
  const maxEntries = options.maxEntries ?? 256;
  const answers = new Map<string, { decision: AccessDecision; until: number }>();
  return async (authorization, path) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return 401;
    const key = `${path} ${createHash('sha256').update(token).digest('hex')}`;
    const now = options.now();
    const kept = answers.get(key);
    if (kept !== undefined && kept.until > now) return kept.decision;
    let decision: AccessDecision;
    try {
      const user = await options.reviews.authenticate(token);
      decision = user === undefined ? 401 : (await options.reviews.mayGet(user, path)) ? 200 : 403;
    } catch {
      return 503;
    }
    answers.delete(key);
    answers.set(key, { decision, until: now + (decision === 200 ? ttlMs : deniedTtlMs) });
    // Oldest first in insertion order.
    for (const old of answers.keys()) {
      if (answers.size <= maxEntries) break;
      answers.delete(old);
    }
    return decision;
  };
}
