import type { EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { decideOnAccount, type AccountOutcome } from './account-commands';

const ONCE_PER_RESERVATION = { replayByKey: false };

/**
 * The port scheduling spends credits through: reserve a credit when a place is taken, confirm it
 * when the booking holds, return it when the booking is cancelled with a refund. Each call is
 * idempotent by its reservation id, so a booking workflow may repeat any step after a crash; each
 * says why (the booking, in words), which the grant's ledger shows. One request makes several
 * of these calls on the same account, so none is replayed by the request's Idempotency-Key: the
 * reservation id is what makes each repeatable.
 */
export class CreditSpending {
  constructor(private readonly store: EventStore) {}

  reserve(
    context: RequestContext,
    clientId: string,
    reservationId: string,
    eventType: string,
    reason: string,
    count = 1,
  ): Promise<AccountOutcome> {
    return decideOnAccount(
      this.store,
      context,
      clientId,
      (scope) => ({
        type: 'ReserveCredit',
        data: { ...scope, reservationId, eventType, count, reason },
      }),
      ONCE_PER_RESERVATION,
    );
  }

  confirm(context: RequestContext, clientId: string, reservationId: string, reason: string) {
    return decideOnAccount(
      this.store,
      context,
      clientId,
      (scope) => ({
        type: 'ConfirmCreditSpend',
        data: { ...scope, reservationId, reason },
      }),
      ONCE_PER_RESERVATION,
    );
  }

  release(context: RequestContext, clientId: string, reservationId: string, reason: string) {
    return decideOnAccount(
      this.store,
      context,
      clientId,
      (scope) => ({
        type: 'ReturnCredit',
        data: { ...scope, reservationId, reason },
      }),
      ONCE_PER_RESERVATION,
    );
  }
}
