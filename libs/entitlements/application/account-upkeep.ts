import { randomUUID } from 'node:crypto';
import type { EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { decideOnAccount } from './account-commands';

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
  ) {}

  async runOnce(now: Date): Promise<UpkeepReport> {
    const report: UpkeepReport = { accounts: 0, renewals: 0, expiredGrants: 0, failed: [] };
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
}
