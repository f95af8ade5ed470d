import type { ClientEvent, PersonalDetails } from '@clientele/clients';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { sql, type Transaction } from 'kysely';
import type { NewClientProfileRow } from './client-profiles.table';
import { foldForSearch } from './search-text';

function searchColumns(personal: Pick<PersonalDetails, 'firstName' | 'lastName' | 'email'>) {
  const first = foldForSearch(personal.firstName);
  const last = foldForSearch(personal.lastName);
  const email = foldForSearch(personal.email);
  return {
    first_folded: first,
    last_folded: last,
    email_folded: email,
    search_text: `${first} ${last} ${email}`,
    sort_key: `${last} ${first}`,
  };
}

/** The client profile: what the front desk sees of a client, kept current from the log. */
export const clientProfilesProjection: Projection = {
  name: 'client_profiles',
  eventTypes: new Set<ClientEvent['type']>([
    'ClientRegistered',
    'ClientProfileUpdated',
    'EmailClaimLapsed',
  ]),

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
  async apply(trx: Transaction<any>, events: RecordedEvent[]) {
    const registrations: NewClientProfileRow[] = [];
    const flush = async () => {
      if (registrations.length === 0) return;
      // A replayed batch finds its rows already there: first write wins, nothing doubles.
      await trx
        .insertInto('client_profiles')
        .values(registrations.splice(0))
        .onConflict((oc) => oc.column('client_id').doNothing())
        .execute();
    };
    for (const recorded of events) {
      const event = recorded as unknown as ClientEvent & RecordedEvent;
      if (event.type === 'ClientRegistered') {
        const { personal } = event.data;
        registrations.push({
          client_id: event.data.clientId,
          studio_id: event.data.studioId,
          first_name: personal.firstName,
          last_name: personal.lastName,
          email: personal.email,
          phone: personal.phone,
          birthday: personal.birthday,
          address: personal.address ? JSON.stringify(personal.address) : null,
          username: personal.username,
          registered_at: new Date(event.data.registeredAt),
          updated_at: recorded.recordedAt,
          version: recorded.revision,
          ...searchColumns(personal),
        });
        continue;
      }
      await flush();
      if (event.type === 'EmailClaimLapsed') {
        // No field changes, but the stream moved: the profile's version (its ETag) follows.
        await trx
          .updateTable('client_profiles')
          .set({ version: recorded.revision })
          .where('client_id', '=', event.data.clientId)
          .where('version', '<', recorded.revision)
          .execute();
        continue;
      }
      const current = await trx
        .selectFrom('client_profiles')
        .select(['first_name', 'last_name', 'email', 'version'])
        .where('client_id', '=', event.data.clientId)
        .executeTakeFirst();
      // Guarded by revision, so applying an old event again changes nothing.
      if (!current || current.version >= recorded.revision) continue;
      const changes = event.data.personal;
      const merged = {
        firstName: changes.firstName ?? current.first_name,
        lastName: changes.lastName ?? current.last_name,
        email: changes.email ?? current.email,
      };
      await trx
        .updateTable('client_profiles')
        .set({
          ...(changes.firstName !== undefined ? { first_name: changes.firstName } : {}),
          ...(changes.lastName !== undefined ? { last_name: changes.lastName } : {}),
          ...(changes.email !== undefined ? { email: changes.email } : {}),
          ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
          ...(changes.birthday !== undefined ? { birthday: changes.birthday } : {}),
          ...(changes.address !== undefined
            ? { address: changes.address ? JSON.stringify(changes.address) : null }
            : {}),
          ...(changes.username !== undefined ? { username: changes.username } : {}),
          ...searchColumns(merged),
          updated_at: recorded.recordedAt,
          version: recorded.revision,
        })
        .where('client_id', '=', event.data.clientId)
        .where('version', '<', recorded.revision)
        .execute();
    }
    await flush();
  },

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async reset(trx: Transaction<any>) {
    await sql`TRUNCATE client_profiles`.execute(trx);
  },
};
