import type { MergeOutcome, MergeStep } from '@clientele/clients';
import type { EventStore, RecordedEvent } from '@clientele/eventstore';
import { fold, money, type Money, type RequestContext } from '@clientele/shared';
import { readStudioSettings } from '@clientele/staff';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { AccountCreditInsufficient } from '../domain/account.rules';
import { decideOnAccount } from './account-commands';

export interface UseWhileMerged {
  /** Credits of the duplicate's grants booked while merged, and whether they stay spent. */
  credits: {
    grantId: string;
    reservationId: string;
    count: number;
    reason: string;
    at: string;
    status: 'reserved' | 'spent' | 'returned';
  }[];
  /** Payments recorded on the duplicate's bills while merged. */
  payments: { paymentId: string; billId: string; amount: Money; method: string; at: string }[];
  /** The account credit it brought, what came back to it, and so what was spent. */
  accountCredit: { brought: Money; returned: Money; spent: Money };
}

/**
 * The accounts' part of a merge (ADR 0016). Credits, items and bills stay on the duplicate's
 * account, which the survivor answers for; account credit is money one sale spends at once, so
 * it moves: all of it to the survivor, and back at an unmerge as much as the survivor still has
 * (the duplicate's money counts as spent only once the survivor's balance fell below it). Each
 * move is two appends keyed by the merge, so a repeated request finishes a move cut short.
 */
export class AccountMergeStep implements MergeStep {
  constructor(private readonly store: EventStore) {}

  async merged(merge: MergeOutcome, context: RequestContext) {
    const moved = await this.moveIn(merge, context, (balance) => balance);
    return { accountCreditMoved: money(moved, await this.currency(context)) };
  }

  async unmerged(merge: MergeOutcome, context: RequestContext) {
    // A merge's move a crash cut short (taken from the duplicate, not yet given to the
    // survivor) is finished first, so what the duplicate brought is what comes back.
    await this.moveIn(merge, context, () => 0);
    const survivor = await this.history(merge.survivorId);
    const brought = movedBy(survivor, `merge:${merge.mergeId}:account-credit:in`);
    const returned = await this.move(context, `unmerge:${merge.mergeId}:account-credit`, {
      from: merge.survivorId,
      to: merge.duplicateId,
      amount: (balance) => Math.min(brought, balance),
      out: `unmerged: back to client ${merge.duplicateId}`,
      in: `unmerged from client ${merge.survivorId}`,
    });
    const currency = await this.currency(context);
    const use = useWhileMerged(await this.history(merge.duplicateId), merge);
    return {
      usedWhileMerged: {
        ...use,
        accountCredit: {
          brought: money(brought, currency),
          returned: money(returned, currency),
          spent: money(brought - returned, currency),
        },
      } satisfies UseWhileMerged,
    };
  }

  /** The merge's move, of `amount(the duplicate's balance)`; 0 finishes one begun, if any. */
  private moveIn(
    merge: MergeOutcome,
    context: RequestContext,
    amount: (balance: number) => number,
  ) {
    return this.move(context, `merge:${merge.mergeId}:account-credit`, {
      from: merge.duplicateId,
      to: merge.survivorId,
      amount,
      out: `merged into client ${merge.survivorId}`,
      in: `merged from client ${merge.duplicateId}`,
    });
  }

  /**
   * Moves account credit once per key: what left `from` is what reaches `to`. The amount is
   * decided on the balance read just before; a payment that spends some of it meanwhile makes
   * the deduction refused, and it is decided again on the new balance.
   */
  private async move(
    context: RequestContext,
    key: string,
    m: { from: string; to: string; amount: (balance: number) => number; out: string; in: string },
  ): Promise<number> {
    let amount = movedBy(await this.history(m.from), `${key}:out`);
    for (let attempt = 1; amount === 0; attempt++) {
      const balance = fold(
        accountDecider,
        (await this.history(m.from)) as unknown as AccountEvent[],
      ).accountCredit;
      const wanted = m.amount(balance);
      if (wanted === 0) return 0;
      try {
        await decideOnAccount(
          this.store,
          { ...context, idempotencyKey: `${key}:out` },
          m.from,
          (scope) => ({
            type: 'AdjustAccountCredit',
            data: { ...scope, amount: -wanted, reason: m.out },
          }),
        );
        amount = wanted;
      } catch (error) {
        if (!(error instanceof AccountCreditInsufficient) || attempt >= 3) throw error;
      }
    }
    await decideOnAccount(
      this.store,
      { ...context, idempotencyKey: `${key}:in` },
      m.to,
      (scope) => ({ type: 'AdjustAccountCredit', data: { ...scope, amount, reason: m.in } }),
    );
    return amount;
  }

  private history(clientId: string) {
    return this.store.readStream(accountStream(clientId));
  }

  private async currency(context: RequestContext): Promise<string> {
    return (await readStudioSettings(this.store, context.studioId)).currency;
  }
}

/** Account credit an append keyed `key` moved (0 when none was). */
function movedBy(history: RecordedEvent[], key: string): number {
  const event = history.find((e) => e.metadata.idempotencyKey === key) as
    (RecordedEvent & AccountEvent) | undefined;
  if (event?.type !== 'AccountCreditAdded' && event?.type !== 'AccountCreditDeducted') return 0;
  return event.data.amount.amount;
}

/** What was used of the duplicate's account while merged: read from its stream, exactly. */
function useWhileMerged(
  history: RecordedEvent[],
  merge: MergeOutcome,
): Omit<UseWhileMerged, 'accountCredit'> {
  const from = Date.parse(merge.mergedAt);
  const until = merge.unmergedAt ? Date.parse(merge.unmergedAt) : Infinity;
  const use: Omit<UseWhileMerged, 'accountCredit'> = { credits: [], payments: [] };
  const status = new Map<string, UseWhileMerged['credits'][number]['status']>();
  for (const recorded of history) {
    const event = recorded as unknown as AccountEvent;
    const at = recorded.recordedAt.getTime();
    const during = at >= from && at <= until;
    switch (event.type) {
      case 'CreditsReserved':
        if (!during) break;
        status.set(event.data.reservationId, 'reserved');
        use.credits.push({
          grantId: event.data.grantId,
          reservationId: event.data.reservationId,
          count: event.data.count,
          reason: event.data.reason,
          at: recorded.recordedAt.toISOString(),
          status: 'reserved',
        });
        break;
      case 'CreditsSpent':
      case 'CreditsReturned':
        if (status.has(event.data.reservationId)) {
          status.set(
            event.data.reservationId,
            event.type === 'CreditsSpent' ? 'spent' : 'returned',
          );
        }
        break;
      case 'PaymentRecorded':
        if (!during) break;
        use.payments.push({
          paymentId: event.data.paymentId,
          billId: event.data.billId,
          amount: event.data.amount,
          method: event.data.method,
          at: recorded.recordedAt.toISOString(),
        });
        break;
      default:
        break;
    }
  }
  for (const credit of use.credits) credit.status = status.get(credit.reservationId)!;
  return use;
}
