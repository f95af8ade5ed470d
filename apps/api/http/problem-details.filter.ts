import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toProblem } from './problem';
import { ReplayedResponse } from './replayed-response';

/** Every error leaves the API as application/problem+json, from this one place. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('API');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ReplayedResponse) {
      const { status, headers, body } = error.response;
      void reply
        .status(status)
        .headers({ ...headers, 'idempotent-replayed': 'true' })
        .send(body);
      return;
    }
    sendProblem(reply, error, this.logger);
  }
}

/** Sends what was thrown as problem+json: the filter's answer, and Fastify's own for a bad URL. */
export function sendProblem(reply: FastifyReply, error: unknown, logger: Logger): void {
  const { problem, retryAfter } = toProblem(error);
  if (problem.status >= 500 && problem.code === 'internal_error') {
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  void reply
    .status(problem.status)
    .header('content-type', 'application/problem+json')
    .send(problem);
}
