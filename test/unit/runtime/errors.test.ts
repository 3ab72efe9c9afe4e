import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { classifyFailure } from '../../../src/runtime/controller.ts';
import { KubeApiError, TerminalError, isConflict, isNotFound, kindOf, retryClassOf, toApiError } from '../../../src/runtime/errors.ts';

const status = (code: number, reason: string, message: string): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

describe('toApiError', () => {
  it.each([
    [404, 'NotFound', 'NotFound', 'terminal'],
    [409, 'Conflict', 'Conflict', 'quiet'],
    [409, 'AlreadyExists', 'AlreadyExists', 'terminal'],
    [410, 'Expired', 'Gone', 'relist'],
    [422, 'Invalid', 'Invalid', 'terminal'],
    [429, 'TooManyRequests', 'TooManyRequests', 'backoff'],
    [500, 'InternalError', 'ServerError', 'backoff'],
    [503, 'ServiceUnavailable', 'ServerError', 'backoff'],
    [403, 'Forbidden', 'Forbidden', 'backoff'],
    [415, 'UnsupportedMediaType', 'UnsupportedMediaType', 'terminal'],
  ])('maps HTTP %i (%s) to %s / %s', (code, reason, kind, retry) => {
    const e = toApiError(new ApiException(code, 'x', status(code, reason, 'msg'), {}));
    expect(e.kind).toBe(kind);
    expect(e.retry).toBe(retry);
    expect(e.code).toBe(code);
    expect(e.message).toBe('msg');
  });

  it('reads Retry-After from the header, else from the Status details', () => {
    expect(toApiError(new ApiException(429, 'x', '{}', { 'retry-after': '3' })).retryAfterMs).toBe(3000);
    const body = JSON.stringify({ code: 500, details: { retryAfterSeconds: 2 } });
    expect(toApiError(new ApiException(500, 'x', body, {})).retryAfterMs).toBe(2000);
  });

  it('tells a failed JSON-patch test apart from an invalid object', () => {
    expect(kindOf(422, undefined, 'the server rejected our request due to an error in our request')).toBe('Invalid');
    expect(kindOf(422, undefined, 'testing value /metadata/finalizers failed: test failed')).toBe('PatchTestFailed');
    expect(retryClassOf('PatchTestFailed')).toBe('quiet');
  });

  it('maps watch errors with statusCode, Status objects and network errors', () => {
    expect(toApiError(Object.assign(new Error('Gone'), { statusCode: 410 })).kind).toBe('Gone');
    expect(toApiError({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }).kind).toBe('Gone');
    const net = toApiError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(net.kind).toBe('Network');
    expect(net.retry).toBe('backoff');
  });

  it('keeps a KubeApiError as it is and answers the predicates', () => {
    const e = new KubeApiError({ kind: 'Conflict', code: 409, message: 'm' });
    expect(toApiError(e)).toBe(e);
    expect(isConflict(new ApiException(409, 'x', status(409, 'Conflict', 'm'), {}))).toBe(true);
    expect(isNotFound(new ApiException(404, 'x', status(404, 'NotFound', 'm'), {}))).toBe(true);
    expect(isNotFound(new ApiException(409, 'x', status(409, 'Conflict', 'm'), {}))).toBe(false);
  });
});

describe('classifyFailure (what a controller does with a thrown error)', () => {
  it('requeues conflicts quietly, stops on invalid and terminal errors, backs off otherwise', () => {
    expect(classifyFailure(new ApiException(409, 'x', status(409, 'Conflict', 'm'), {}))).toBe('conflict');
    expect(classifyFailure(new ApiException(422, 'x', status(422, 'Invalid', 'm'), {}))).toBe('terminal');
    expect(classifyFailure(new TerminalError('bad spec'))).toBe('terminal');
    expect(classifyFailure(new ApiException(503, 'x', '', {}))).toBe('error');
    expect(classifyFailure(new ApiException(404, 'x', status(404, 'NotFound', 'm'), {}))).toBe('error');
    expect(classifyFailure(new Error('boom'))).toBe('error');
  });
});
