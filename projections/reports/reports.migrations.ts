import { sql, type Kysely, type Migration } from 'kysely';

export const reportsMigrations: Record<string, Migration> = {
  '2026-12-02T0600_report_indexes': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // The reports read a studio's rows in the order of one of their dates, a page at a time:
      // an index in that order lets a page stop after its rows instead of sorting them all.
      // Indexes only: no data changes, nothing to replay.
      for (const statement of [
        sql`CREATE INDEX memberships_by_start ON memberships (studio_id, starts_on, membership_id)`,
        sql`CREATE INDEX memberships_frozen ON memberships (studio_id, frozen_from, membership_id) WHERE frozen_from IS NOT NULL`,
        sql`CREATE INDEX vod_access_by_start ON vod_access (studio_id, valid_from, access_id)`,
        sql`CREATE INDEX credit_grants_by_grant_time ON credit_grants (studio_id, granted_at, grant_id)`,
        sql`CREATE INDEX credit_grants_by_expiry ON credit_grants (studio_id, expires_at, grant_id) WHERE expires_at IS NOT NULL`,
        sql`CREATE INDEX account_balances_owing ON account_balances (studio_id) WHERE outstanding > 0`,
        sql`CREATE INDEX refunds_by_studio ON refunds (studio_id, recorded_at)`,
      ]) {
        await statement.execute(db);
      }
    },
  },
};
