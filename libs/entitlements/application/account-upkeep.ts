import { randomUUID } from 'node:crypto';
import type { PaymentGateway } from '@clientele/billing';
import type { EventStore } from '@clientele/eventstore';
import { RuleViolation, uuidFrom, type Money, type RequestContext } from '@clientele/shared';
import { decideOnAccount, previewOnAccount, type AccountOutcome } from './account-commands';
import type { AccountCommand, AccountScope } from '../domain/account.commands';
import { payBill } from './sales';

export type FindAccountsNeedingUpkeep = (
  now: Date,
  limit: number,
) => Promise<{ studioId: string; clientId: string }[]>;

/** Charges the processor took that no sale or booking recorded, confirmed before `before`. */
export type FindUnrecordedCharges = (
  before: Date,
  limit: number,
) => Promise<{ studioId: string; clientId: string; reference: string; amount: number }[]>;

/**
 * How long a charge no sale or booking recorded waits before it is given back: Stripe keeps an
 * idempotency key at least 24 hours, and until then a retry of the request that charged could
 * still get the charge back from Stripe and record it.
 */
export const UNRECORDED_CHARGE_GRACE_MS = 25 * 3_600_000;

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
  /** Charges no sale or booking recorded, given back to the card (ADR 0012). */
  givenBack: { clientId: string; reference: string; amount: Money }[];
  failed: { clientId: string; error: string }[];
}

const PAGE = 500;

/**
 * The processes that keep accounts current: bill each membership period that came due, lapse
 * what is left of expired credits, and give back card charges that nothing recorded. Each is a decision on the account at a revision, so
 * running twice, or in two workers at once, renews and expires nothing twice.
 */
export class AccountUpkeep {
  constructor(
    private readonly store: EventStore,
    private readonly find: FindAccountsNeedingUpkeep,
    private readonly gateway: PaymentGateway,
    private readonly findUnrecorded: FindUnrecordedCharges,
  ) {}

  async runOnce(now: Date): Promise<UpkeepReport> {
    const report: UpkeepReport = {
      accounts: 0,
      renewals: 0,
      expiredGrants: 0,
      charged: 0,
      declined: [],
      givenBack: [],
      failed: [],
    };
    await this.keepAccounts(now, report);
    await this.giveBackUnrecordedCharges(now, report);
    return report;
  }

  private async keepAccounts(now: Date, report: UpkeepReport): Promise<void> {
    const seen = new Set<string>();
    for (;;) {
      const page = (await this.find(now, PAGE)).filter((a) => !seen.has(a.clientId));
      if (page.length === 0) return;
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
      if (page.length < PAGE) return;
    }
  }

  /**
   * A charge the processor confirmed that no sale or booking recorded (a crash between the
   * charge and the record) is given back once no retry can record it any more: refunded at the
   * processor under a key of its own, so a second run or a second worker refunds once, then
   * recorded on the account. A charge recorded meanwhile is left alone.
   */
  private async giveBackUnrecordedCharges(now: Date, report: UpkeepReport): Promise<void> {
    const before = new Date(now.getTime() - UNRECORDED_CHARGE_GRACE_MS);
    for (const charge of await this.findUnrecorded(before, PAGE)) {
      const context: RequestContext = {
        studioId: charge.studioId,
        actor: { type: 'system', id: 'account-upkeep' },
        correlationId: randomUUID(),
        now,
      };
      const command = (scope: AccountScope): AccountCommand => ({
        type: 'RefundUnrecordedCharge',
        data: { ...scope, reference: charge.reference, amount: charge.amount },
      });
      try {
        const [giveBack] = await previewOnAccount(this.store, context, charge.clientId, command);
        if (giveBack?.type !== 'UnrecordedChargeRefunded') continue;
        const { amount } = giveBack.data;
        await this.gateway.refund(charge.reference, amount, `unrecorded:${charge.reference}`);
        const recorded = await decideOnAccount(this.store, context, charge.clientId, command);
        // Another worker may have recorded it first: the report says what this run did.
        if (recorded.appended.length === 0) continue;
        report.givenBack.push({ clientId: charge.clientId, reference: charge.reference, amount });
      } catch (error) {
        report.failed.push({
          clientId: charge.clientId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
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
