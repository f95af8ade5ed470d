import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { EVENT_STORE, idForRequest, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import type { AccountOutcome } from './account-commands';
import { refundPayment } from './booking-payments';

export class RefundPayment extends Command<AccountOutcome & { refundId: string }> {
  constructor(
    readonly clientId: string,
    readonly paymentId: string,
    /** Minor units; what is left unrefunded when absent. */
    readonly amount: number | null,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Staff give money back, in full or in part, to where it came from. */
@CommandHandler(RefundPayment)
export class RefundPaymentHandler implements ICommandHandler<RefundPayment> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ clientId, paymentId, amount, reason, context }: RefundPayment) {
    const refundId = idForRequest(`refund:${paymentId}`, context);
    const outcome = await refundPayment(this.store, this.gateway, context, {
      clientId,
      paymentId,
      refundId,
      amount,
      reason,
    });
    return { ...outcome, refundId };
  }
}
