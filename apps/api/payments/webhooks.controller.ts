import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { readStripeEvent, STRIPE_EVENT_ID, verifyStripeWebhook } from '@clientele/billing';
import { DATABASE, type Database } from '@clientele/database';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { ReadConsistency } from '@clientele/projector';
import type { Runtime } from '@clientele/runtime';
import { InvalidInput, Unavailable } from '@clientele/shared';
import type { FastifyRequest } from 'fastify';
import { Public } from '../http/auth';
import { RUNTIME } from '../internal/admin.controller';
import { handleStripeEvent } from './stripe-webhook-handler';

/** The one route whose body reaches it as the bytes sent (create-app.ts): the signature is over them. */
export const STRIPE_WEBHOOK_PATH = '/v1/webhooks/stripe';

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
  ) {}

  @Post('stripe')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Stripe’s events, signed with STRIPE_WEBHOOK_SECRET: each event id recorded once, its fact on the client’s account',
  })
  async stripe(@Req() request: FastifyRequest) {
    // Read at each delivery: no secret, no webhooks (503, so Stripe keeps retrying until set).
    const secret = this.runtime.config.stripeWebhookSecret;
    if (!secret) {
      throw new Unavailable(
        'Stripe webhooks are not configured here: set STRIPE_WEBHOOK_SECRET.',
        3600,
      );
    }
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      throw new InvalidInput('A Stripe event is sent as JSON.', [
        { field: 'body', message: 'must be the JSON event Stripe signed' },
      ]);
    }
    const event = verifyStripeWebhook(body, request.headers['stripe-signature'], secret);
    if (!STRIPE_EVENT_ID.test(event.id)) {
      throw new InvalidInput('The event id is not one Stripe gives.', [
        { field: 'id', message: 'must be an evt_ id' },
      ]);
    }
    return handleStripeEvent(
      {
        store: this.store,
        db: this.db,
        awaitReadModels: () => this.consistency.awaitHead(),
      },
      readStripeEvent(event),
    );
  }
}
