import { randomUUID } from 'node:crypto';
import type { PaymentGateway } from '@clientele/billing';
import type { EventStore } from '@clientele/eventstore';
import { RuleViolation, uuidFrom, type RequestContext } from '@clientele/shared';
import { decideOnAccount, type AccountOutcome } from './account-commands';
import { payBill } from './sales';

export type FindAccountsNeedingUpkeep = (
  now: Date,
  limit: number,
) => Promise<{ studioId: string; clientId: string }[]>;

export interface UpkeepReport {
  accounts: number;
  /** Membership periods billed. */
  renewals: number;
  /** Grants whose remaining credits lapsed. */
  expiredGrants: number;
  /** Renewal bills paid by charging the client's saved card. */
  charged: number;
  /** Renewal charges the card refused: the bill stays open, with the reason here. */
  declined: { clientId: string; billId: string; code: string }[];
  failed: { clientId: string; error: string }[];
}

const PAGE = 500;

/**
 * The processes that keep accounts current: bill each membership period that came due, and
 * lapse what is left of expired credits. Each is a decision on the account at a revision, so
 * running twice, or in two workers at once, renews and expires nothing twice.
 */
export class AccountUpkeep {
  constructor(
    private readonly store: EventStore,
    private readonly find: FindAccountsNeedingUpkeep,
    private readonly gateway: PaymentGateway,
  ) {}

  async runOnce(now: Date): Promise<UpkeepReport> {
    const report: UpkeepReport = {
      accounts: 0,
      renewals: 0,
      expiredGrants: 0,
      charged: 0,
      declined: [],
      failed: [],
    };
    const seen = new Set<string>();
    for (;;) {
      const page = (await this.find(now, PAGE)).filter((a) => !seen.has(a.clientId));
      if (page.length === 0) return report;
      for (const { studioId, clientId } of page) {
        seen.add(clientId);
        report.accounts++;
        const context: RequestContext = {
          studioId,
          actor: { type: 'system', id: 'account-upkeep' },
          correlationId: randomUUID(),
          now,
        };
        try {
          const renewed = await decideOnAccount(this.store, context, clientId, (scope) => ({
            type: 'RenewMemberships',
            data: scope,
          }));
          const expired = await decideOnAccount(this.store, context, clientId, (scope) => ({
            type: 'ExpireCredits',
            data: scope,
          }));
          report.renewals += renewed.appended.filter((e) => e.type === 'MembershipRenewed').length;
          await this.chargeRenewals(context, clientId, renewed, report);
          report.expiredGrants += expired.appended.filter(
            (e) => e.type === 'CreditsExpired',
          ).length;
        } catch (error) {
          // One account's trouble must not stop the others; it is named and tried next run.
          report.failed.push({
            clientId,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      // The read model still lists accounts just kept until it catches up: stop when a page
      // brings nothing new.
      if (page.length < PAGE) return report;
    }
  }

  /**
   * A renewal left owing is charged to the client's saved card when they have a customer at the
   * processor (with the offline gateway nobody does): keyed by the bill, so a second run, or
   * two workers, charge it once. A refusal leaves the bill open and is reported.
   */
  private async chargeRenewals(
    context: RequestContext,
    clientId: string,
    renewed: AccountOutcome,
    report: UpkeepReport,
  ): Promise<void> {
    if (renewed.state.processorCustomerId === null) return;
    for (const event of renewed.appended) {
      if (event.type !== 'BillIssued' || event.data.origin.kind !== 'membership') continue;
      const bill = renewed.state.bills.get(event.data.billId);
      if (!bill || bill.settled) continue;
      try {
        await payBill(this.store, this.gateway, context, {
          clientId,
          billId: bill.billId,
          paymentId: uuidFrom(`renewal-payment:${bill.billId}`),
          amount: bill.total.amount - bill.paid,
          method: 'card',
          reference: null,
          replayByKey: false,
        });
        report.charged++;
      } catch (error) {
        if (!(error instanceof RuleViolation)) throw error;
        report.declined.push({ clientId, billId: bill.billId, code: error.code });
      }
    }
  }
}
