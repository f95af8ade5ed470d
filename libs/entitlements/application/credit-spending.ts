import { accountsAnsweredBy, duplicatesOf } from '@clientele/clients';
import type { EventStore } from '@clientele/eventstore';
import { fold, type RequestContext } from '@clientele/shared';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { NoCreditAvailable } from '../domain/account.rules';
import type { Reservation } from '../domain/account.state';
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

  /**
   * Reserves from the client's own credits first, then from those of clients merged into it
   * (ADR 0016). Answers whose account holds the reservation: confirm and release go there. A
   * retry finds a reservation already made on any of those accounts, so it never takes a second
   * credit elsewhere.
   */
  async reserve(
    context: RequestContext,
    clientId: string,
    reservationId: string,
    eventType: string,
    reason: string,
    count = 1,
  ): Promise<AccountOutcome & { accountId: string }> {
    const reserveOn = async (accountId: string) => ({
      accountId,
      ...(await decideOnAccount(
        this.store,
        context,
        accountId,
        (scope) => ({
          type: 'ReserveCredit',
          data: { ...scope, reservationId, eventType, count, reason },
        }),
        ONCE_PER_RESERVATION,
      )),
    });
    // The client's own account knows its reservations; only the others need looking at.
    for (const other of (await accountsAnsweredBy(this.store, clientId)).slice(1)) {
      if (await this.reservation(clientId, reservationId, other)) return reserveOn(other);
    }
    try {
      return await reserveOn(clientId);
    } catch (error) {
      if (!(error instanceof NoCreditAvailable)) throw error;
      for (const duplicateId of await duplicatesOf(this.store, clientId)) {
        try {
          return await reserveOn(duplicateId);
        } catch (inner) {
          if (!(inner instanceof NoCreditAvailable)) throw inner;
        }
      }
      throw error;
    }
  }

  /**
   * A reservation and the account holding it: `accountId` when the booking recorded it, the
   * client's own, or that of a client merged into it now or once. Null when none holds it (the
   * booking crashed before reserving).
   */
  async reservation(
    clientId: string,
    reservationId: string,
    accountId?: string,
  ): Promise<{ accountId: string; reservation: Reservation } | null> {
    const accounts = accountId ? [accountId] : await accountsAnsweredBy(this.store, clientId);
    for (const accountId of accounts) {
      const state = fold(
        accountDecider,
        (await this.store.readStream(accountStream(accountId))) as unknown as AccountEvent[],
      );
      const reservation = state.reservations.get(reservationId);
      if (reservation) return { accountId, reservation };
    }
    return null;
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
