import {
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Conflict } from '@clientele/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { IdempotencyStore } from '@clientele/idempotency';
import { idempotencyKeyOf } from './auth';
import { toProblem } from './problem';
import { ReplayedResponse } from './replayed-response';

const REMEMBERED_HEADERS = ['location', 'etag'];
const SHOWN_ONCE = 'clientele:shown-once';
/** Requests whose handlers take the key: each must go through the stored answers. */
const CHANGES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The answer holds a secret shown once (a token): it is never stored, so a retry cannot see it. */
export const ShownOnce = () => SetMetadata(SHOWN_ONCE, true);

/**
 * `Idempotency-Key` on a POST or PATCH: the same key and body get the same answer with one effect; the
 * same key with another body is a 409. Runs after authentication (keys are per studio).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: { studioId: string } }>();
    if (!CHANGES.has(request.method) || !request.principal) return next.handle();
    const key = idempotencyKeyOf(request);
    if (key === undefined) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const studioId = request.principal.studioId;
    const hash = IdempotencyStore.hash(request.method, request.url, request.body);
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    const shownOnce = this.reflector.get<boolean>(SHOWN_ONCE, context.getHandler()) ?? false;
    return from(this.run(studioId, key, hash, status, shownOnce, reply, next));
  }

  private async run(
    studioId: string,
    key: string,
    hash: string,
    status: number,
    shownOnce: boolean,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const claim = await this.store.claim(studioId, key, hash);
    if (claim.kind === 'replay') throw new ReplayedResponse(claim.response);
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers: Record<string, string> = {};
      for (const name of REMEMBERED_HEADERS) {
        const value = reply.getHeader(name);
        if (typeof value === 'string') headers[name] = value;
      }
      await this.store.complete(
        studioId,
        key,
        shownOnce
          ? {
              status: 409,
              headers: { 'content-type': 'application/problem+json' },
              body: toProblem(
                new Conflict(
                  'shown_once',
                  'This request already succeeded; its answer held a secret that is shown only once.',
                ),
              ).problem,
            }
          : { status, headers, body },
      );
      return body;
    } catch (error) {
      const { problem } = toProblem(error);
      // Not remembered: what a retry may cure (the server failing, or a stream so contended
      // that every attempt lost: version_conflict), and a request refused as invalid before it
      // ran (as Stripe does), so the desk can fix a typo and send it again with the same key.
      if (
        problem.status >= 500 ||
        problem.code === 'version_conflict' ||
        problem.code === 'invalid_input'
      ) {
        await this.store.abandon(studioId, key);
      } else {
        await this.store.complete(studioId, key, {
          status: problem.status,
          headers: { 'content-type': 'application/problem+json' },
          body: problem,
        });
      }
      throw error;
    }
  }
}
