import {
  applyDecorators,
  createParamDecorator,
  Inject,
  Injectable,
  ParseUUIDPipe,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import { ApiExtension } from '@nestjs/swagger';
import { ReadConsistency } from '@clientele/projector';
import { roleAllows, type Permission } from '@clientele/staff';
import {
  InvalidInput,
  PermissionDenied,
  Unauthenticated,
  type RequestContext,
} from '@clientele/shared';
import { AuthenticateToken, type Principal } from '@projections/staff-directory';
import type { FastifyRequest } from 'fastify';
import { FailedAuthentications } from './failed-authentications';

const PERMISSION = 'clientele:permission';
const PUBLIC = 'clientele:public';

/**
 * The permission a route needs. Every /v1 route names one; the OpenAPI document shows it as
 * `x-permission`, so a consumer knows which role may call what.
 */
export const RequirePermission = (permission: Permission) =>
  applyDecorators(SetMetadata(PERMISSION, permission), ApiExtension('x-permission', permission));
/** Routes anyone may call: health, docs, the Stripe webhook later. */
export const Public = () => SetMetadata(PUBLIC, true);

type AuthedRequest = FastifyRequest & { principal?: Principal; correlationId?: string };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly queries: QueryBus,
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
    @Inject(FailedAuthentications) private readonly failures: FailedAuthentications,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(
      PERMISSION,
      targets,
    );
    if (!permission) throw new Error(`Route ${context.getHandler().name} names no permission.`);
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new Unauthenticated('Send a staff token as "Authorization: Bearer <token>".');
    const token = match[1]!;
    this.failures.check(request.ip);
    let principal = await this.queries.execute(new AuthenticateToken(token));
    if (!principal) {
      // A token issued a moment ago may not have reached the read model yet.
      await this.consistency.awaitHead();
      principal = await this.queries.execute(new AuthenticateToken(token));
    }
    if (!principal) {
      this.failures.record(request.ip);
      throw new Unauthenticated('The token is unknown or was revoked.');
    }
    if (!roleAllows(principal.role, permission)) throw new PermissionDenied(permission);
    request.principal = principal;
    return true;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key, if it sent one; a malformed one is a 400. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new InvalidInput('Idempotency-Key must be 1 to 255 visible ASCII characters.', [
      { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return key;
}
const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;

function ifMatchOf(header: unknown): number | undefined {
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim()) : null;
  if (!match) {
    throw new InvalidInput('If-Match must be an ETag this API gave out, such as "3".', [
      { field: 'If-Match', message: 'must be a quoted version number' },
    ]);
  }
  return Number(match[1]);
}

/** A path id that must be a UUID: a 400 naming the parameter otherwise. */
export function uuidParam(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new InvalidInput(`The path parameter ${field} must be a UUID.`, [
        { field, message: 'must be a UUID' },
      ]),
  });
}

export function correlationIdOf(request: FastifyRequest): string {
  const given = request.headers['x-correlation-id'];
  return typeof given === 'string' && CORRELATION.test(given) ? given : request.id;
}

/** The studio, the actor and the request's ids, for a command or a query. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthedRequest>();
  const principal = request.principal;
  if (!principal) throw new Unauthenticated();
  const key = idempotencyKeyOf(request);
  const ifMatch = ifMatchOf(request.headers['if-match']);
  return {
    studioId: principal.studioId,
    actor: { type: 'staff', id: principal.staffId },
    correlationId: correlationIdOf(request),
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    now: new Date(),
  };
});

/** Whether the caller's role holds a permission: for a choice inside a route (an override). */
export const Allows = createParamDecorator(
  (permission: Permission, context: ExecutionContext): boolean => {
    const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
    return principal !== undefined && roleAllows(principal.role, permission);
  },
);
