import {
  Inject,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ReadConsistency } from '@clientele/projector';
import { from, switchMap, type Observable } from 'rxjs';

const FROM_LOG = 'clientele:reads-the-log';

/** A route that reads the event store itself (the audit history), not a read model. */
export const ReadsTheLog = () => SetMetadata(FROM_LOG, true);

/** Before a GET reads a read model, the read models reach the writes that came before it. */
@Injectable()
export class ReadConsistencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<{ method: string }>();
    if (request.method !== 'GET' || this.reflector.get<boolean>(FROM_LOG, context.getHandler())) {
      return next.handle();
    }
    return from(this.consistency.awaitHead()).pipe(switchMap(() => next.handle()));
  }
}
