import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Logger, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { adminActions, isAdminAction, type Runtime } from '@clientele/runtime';
import { InvalidInput, NotFound, Unauthenticated } from '@clientele/shared';
import { Public } from '../http/auth';

export const RUNTIME = Symbol('Runtime');
export const ADMIN_SECRET = Symbol('AdminSecret');

/**
 * The CLI's way in while this API owns the embedded database: the secret is written, readable
 * by the owner only, to the data folder at each start. Not part of the public API.
 */
@ApiExcludeController()
@Controller('internal/admin')
export class AdminController {
  private readonly logger = new Logger('admin');

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(ADMIN_SECRET) private readonly secret: { value: string | null },
  ) {}

  @Post(':action')
  @HttpCode(200)
  @Public()
  run(
    @Param('action') action: string,
    @Headers('x-clientele-admin-secret') given: string | undefined,
    @Body() body: unknown,
  ) {
    const expected = this.secret.value;
    if (!expected || typeof given !== 'string' || !sameSecret(given, expected))
      throw new Unauthenticated('Not an admin call.');
    if (!isAdminAction(action)) throw new NotFound('action', action);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidInput('The arguments must be a JSON object.');
    }
    // A long action's progress goes to the API's log: the CLI waiting on it has no stream.
    return adminActions[action](this.runtime, body as Record<string, unknown>, {
      progress: (line) => this.logger.log(line),
    });
  }
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
