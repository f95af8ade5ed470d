import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IdempotencyStore } from '@clientele/idempotency';
import { WrongExpectedVersion } from '@clientele/eventstore';
import { RuleViolation } from '@clientele/shared';
import { lastValueFrom, throwError } from 'rxjs';
import { IdempotencyInterceptor } from './idempotency.interceptor';

class SessionFull extends RuleViolation {
  constructor() {
    super('session_full', 'The session is full.');
  }
}

/** What the interceptor does with the key when the handler fails with `error`. */
async function keyAfter(error: Error): Promise<'stored' | 'freed'> {
  let outcome: 'stored' | 'freed' | undefined;
  const store = {
    claim: () => Promise.resolve({ kind: 'claimed' }),
    complete: () => ((outcome = 'stored'), Promise.resolve()),
    abandon: () => ((outcome = 'freed'), Promise.resolve()),
  } as unknown as IdempotencyStore;
  const request = {
    method: 'POST',
    url: '/v1/sessions/s/enrollments',
    body: { clientId: 'c' },
    headers: { 'idempotency-key': 'k-1' },
    principal: { studioId: 'studio-1' },
  };
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
    getHandler: () => keyAfter,
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => throwError(() => error) };
  const interceptor = new IdempotencyInterceptor(store, new Reflector());
  await expect(lastValueFrom(interceptor.intercept(context, next))).rejects.toBe(error);
  return outcome!;
}

describe('the idempotency key after a failure', () => {
  it('remembers a rule’s refusal: the same request gets the same answer', async () => {
    expect(await keyAfter(new SessionFull())).toBe('stored');
  });

  it('frees the key when every attempt lost to concurrent writers, so a retry may win', async () => {
    expect(await keyAfter(new WrongExpectedVersion('session-1', 45, 46))).toBe('freed');
  });

  it('frees the key when the server failed', async () => {
    expect(await keyAfter(new Error('connection reset'))).toBe('freed');
  });
});
