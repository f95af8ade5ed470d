import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { assertClientAddressable } from '@clientele/clients';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { NotFound } from '@clientele/shared';
import type { Principal } from '@projections/staff-directory';
import type { FastifyRequest } from 'fastify';

const CLIENT_ROUTE = /^\/v1\/clients\/:id(\/|$)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A change addressed to a client merged into another answers 422 `client_merged`, naming the
 * survivor, whatever the route under /v1/clients/{id}: the survivor answers for the duplicate's
 * items now (ADR 0016). Decided from the client's stream, not a read model, so a change sent
 * right after a merge is refused too. Reads pass: the duplicate's own history stays readable.
 */
@Injectable()
export class MergedClientGuard implements CanActivate {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const { principal } = request;
    const clientId = (request.params as { id?: string } | undefined)?.id;
    if (
      ['GET', 'HEAD', 'OPTIONS'].includes(request.method) ||
      !principal ||
      !clientId ||
      !UUID.test(clientId) ||
      !CLIENT_ROUTE.test(request.routeOptions.url ?? '')
    ) {
      return true;
    }
    try {
      await assertClientAddressable(this.store, principal.studioId, clientId);
    } catch (error) {
      // Unknown or another studio's: the route answers that itself, after checking its input.
      if (!(error instanceof NotFound)) throw error;
    }
    return true;
  }
}
