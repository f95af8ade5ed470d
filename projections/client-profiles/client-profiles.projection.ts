import {
  clientEventTypes,
  type ClientDetailsChanged,
  type ClientErased,
  type DocumentAttached,
  type DocumentRemoved,
  type ProfileImageChanged,
  type ConsentGiven,
  type ConsentWithdrawn,
  ERASED_PERSONAL_DETAILS,
  isMemoEvent,
  type ClientEvent,
  type MemoAdded,
  type MemoEvent,
  type MergeEvent,
  type PersonalDetails,
} from '@clientele/clients';
import type { RecordedEvent } from '@clientele/eventstore';
import { unnestRows } from '@clientele/database';
import type { Projection } from '@clientele/projector';
import { assertNever } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';
import type { NewClientProfileRow } from './client-profiles.table';
import { foldForSearch } from './search-text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

type Searchable = Pick<PersonalDetails, 'firstName' | 'lastName' | 'email'>;

/** Erased (or unreadable) names search as nothing: the folded columns hold '' (never shown). */
function searchColumns(personal: { [K in keyof Searchable]: string | null }) {
  const first = foldForSearch(personal.firstName ?? '');
  const last = foldForSearch(personal.lastName ?? '');
  const email = foldForSearch(personal.email ?? '');
  return {
    first_folded: first,
    last_folded: last,
    email_folded: email,
    search_text: `${first} ${last} ${email}`,
    sort_key: `${last} ${first}`,
  };
}

/** The profile's version is its stream's revision: memos and lapsed claims move it too. */
async function followRevision(trx: Trx, clientId: string, revision: number) {
  await trx
    .updateTable('client_profiles')
    .set({ version: revision })
    .where('client_id', '=', clientId)
    .where('version', '<', revision)
    .execute();
}

/**
 * The duplicate's stream says where it went: its profile points at the survivor while the merge
 * stands. The survivor's says what it answers for: a row per merge, kept after an unmerge. Each
 * side follows its own stream, as the commands do, so a merge a crash cut short shows as such.
 */
async function applyMerge(trx: Trx, event: MergeEvent, recorded: RecordedEvent) {
  const actor = JSON.stringify(recorded.metadata.actor);
  const profile = (set: { merged_into: string | null; merged_at: Date | null }) =>
    trx
      .updateTable('client_profiles')
      .set({ ...set, version: recorded.revision })
      .where('client_id', '=', event.data.clientId)
      .where('version', '<', recorded.revision)
      .execute();
  switch (event.type) {
    case 'ClientMergedInto':
      await profile({
        merged_into: event.data.survivorId,
        merged_at: new Date(event.data.mergedAt),
      });
      return;
    case 'ClientUnmerged':
      await profile({ merged_into: null, merged_at: null });
      return;
    case 'DuplicateMerged': {
      const { clientId, duplicateId, mergeId, mergedAt } = event.data;
      await trx
        .insertInto('client_merges')
        .values({
          merge_id: mergeId,
          studio_id: recorded.metadata.studioId,
          survivor_id: clientId,
          duplicate_id: duplicateId,
          merged_at: new Date(mergedAt),
          merged_by: actor,
        })
        .onConflict((oc) => oc.column('merge_id').doNothing())
        .execute();
      await followRevision(trx, clientId, recorded.revision);
      return;
    }
    case 'DuplicateUnmerged':
      await trx
        .updateTable('client_merges')
        .set({ unmerged_at: new Date(event.data.unmergedAt), unmerged_by: actor })
        .where('merge_id', '=', event.data.mergeId)
        .execute();
      await followRevision(trx, event.data.clientId, recorded.revision);
      return;
    default:
      return assertNever(event);
  }
}

/**
 * Details merge by key in SQL (`||` on jsonb), consents by name; a custom field set to null is
 * cleared. Guarded by revision like every change to the row.
 */
async function applyDetails(
  trx: Trx,
  event: ClientDetailsChanged | ConsentGiven | ConsentWithdrawn,
  revision: number,
) {
  const update = trx
    .updateTable('client_profiles')
    .where('client_id', '=', event.data.clientId)
    .where('version', '<', revision);
  switch (event.type) {
    case 'ClientDetailsChanged': {
      const { customerGroup, newsletter, sync } = event.data.details;
      const customFields = event.data.personal?.customFields;
      await update
        .set({
          version: revision,
          ...(customerGroup !== undefined ? { customer_group: customerGroup } : {}),
          // A null the decider once let through means no change, as the decider's evolve reads it:
          // written, it would fail the NOT NULL column and stall the projection for good.
          ...(typeof newsletter === 'boolean' ? { newsletter } : {}),
          ...(sync ? { sync: sql`sync || ${JSON.stringify(sync)}::jsonb` } : {}),
          ...(customFields
            ? {
                custom_fields: sql`jsonb_strip_nulls(custom_fields || ${JSON.stringify(customFields)}::jsonb)`,
              }
            : {}),
        })
        .execute();
      return;
    }
    case 'ConsentGiven': {
      const { consent, version, givenAt } = event.data;
      const given = JSON.stringify({ [consent]: { version, givenAt } });
      await update.set({ version: revision, consents: sql`consents || ${given}::jsonb` }).execute();
      return;
    }
    case 'ConsentWithdrawn':
      await update
        .set({ version: revision, consents: sql`consents - ${event.data.consent}::text` })
        .execute();
      return;
  }
}

/** The image on the profile row; documents a row each, gone when removed. */
async function applyFile(
  trx: Trx,
  event: ProfileImageChanged | DocumentAttached | DocumentRemoved,
  recorded: RecordedEvent,
) {
  const { clientId } = event.data;
  switch (event.type) {
    case 'ProfileImageChanged':
      await trx
        .updateTable('client_profiles')
        .set({
          version: recorded.revision,
          image: event.data.image ? JSON.stringify(event.data.image) : null,
        })
        .where('client_id', '=', clientId)
        .where('version', '<', recorded.revision)
        .execute();
      return;
    case 'DocumentAttached': {
      // An older batch delivered again must not bring back a document removed since: the
      // profile's version says whether this event was applied.
      const applied = await trx
        .selectFrom('client_profiles')
        .select('version')
        .where('client_id', '=', clientId)
        .where('version', '>=', recorded.revision)
        .executeTakeFirst();
      if (applied) return;
      const { document, personal } = event.data;
      await trx
        .insertInto('client_documents')
        .values({
          document_id: document.fileId,
          client_id: clientId,
          studio_id: recorded.metadata.studioId,
          name: personal?.name ?? null,
          media_type: document.mediaType,
          size: document.size,
          sha256: document.sha256,
          uploaded_at: recorded.recordedAt,
          uploaded_by: JSON.stringify(recorded.metadata.actor),
        })
        .onConflict((oc) => oc.column('document_id').doNothing())
        .execute();
      break;
    }
    case 'DocumentRemoved':
      await trx
        .deleteFrom('client_documents')
        .where('document_id', '=', event.data.documentId)
        .execute();
      break;
  }
  await followRevision(trx, clientId, recorded.revision);
}

function memoChanges(event: Exclude<MemoEvent, MemoAdded>) {
  switch (event.type) {
    case 'MemoEdited':
      return { text: event.data.personal?.text ?? null };
    case 'MemoStarred':
    case 'MemoUnstarred':
      return { starred: event.type === 'MemoStarred' };
    case 'MemoRemoved':
      // The words of a removed memo are not kept here: only the log still has them.
      return { removed: true, text: null };
    default:
      return assertNever(event);
  }
}

/**
 * New memos, a row each, in one statement; each row's version (the revision applied to it) guards
 * it against a replay. A memo's creation is also its last change, and a batch has few actors:
 * each actor goes once and rows point at it (jsonb in an array cost PostgreSQL more to read than
 * all the row's other columns).
 */
async function insertMemos(trx: Trx, added: { event: MemoAdded; recorded: RecordedEvent }[]) {
  const actors = new Map<string, number>();
  const actorOf = ({ metadata }: RecordedEvent) => {
    const actor = JSON.stringify(metadata.actor);
    const known = actors.get(actor);
    if (known !== undefined) return known;
    actors.set(actor, actors.size + 1);
    return actors.size;
  };
  const actorIndexes = added.map(({ recorded }) => actorOf(recorded));
  await sql`INSERT INTO client_memos (memo_id, client_id, studio_id, text, starred, created_at,
      created_by, updated_at, updated_by, version)
    SELECT m.memo_id, m.client_id, m.studio_id, m.text, m.starred, m.at,
      a.actors[m.actor], m.at, a.actors[m.actor], m.version
    FROM unnest(
      ${added.map(({ event }) => event.data.memoId)}::uuid[],
      ${added.map(({ event }) => event.data.clientId)}::uuid[],
      ${added.map(({ recorded }) => recorded.metadata.studioId)}::uuid[],
      ${added.map(({ event }) => event.data.personal?.text ?? null)}::text[],
      ${added.map(({ event }) => event.data.starred)}::boolean[],
      ${added.map(({ recorded }) => recorded.recordedAt.toISOString())}::timestamptz[],
      ${actorIndexes}::int[],
      ${added.map(({ recorded }) => recorded.revision)}::int[]
    ) AS m(memo_id, client_id, studio_id, text, starred, at, actor, version),
    (SELECT ${[...actors.keys()]}::jsonb[] AS actors) a
    ON CONFLICT (memo_id) DO NOTHING`.execute(trx);
}

/** A memo changed after it was added (an added one is inserted with its batch). */
async function applyMemo(trx: Trx, event: Exclude<MemoEvent, MemoAdded>, recorded: RecordedEvent) {
  const { memoId } = event.data;
  const at = recorded.recordedAt;
  const by = JSON.stringify(recorded.metadata.actor);
  await trx
    .updateTable('client_memos')
    .set({ ...memoChanges(event), updated_at: at, updated_by: by, version: recorded.revision })
    .where('memo_id', '=', memoId)
    .where('version', '<', recorded.revision)
    .execute();
}

/**
 * An erased client keeps their row, their facts (consents, group, version) and their memos' and
 * documents' rows; every personal column is emptied — the same as a rebuild gives from events
 * whose `personal` reads as null, and whatever a stale key in another process may still open.
 */
async function applyErasure(trx: Trx, event: ClientErased, recorded: RecordedEvent) {
  const { covers, erasedAt } = event.data;
  await trx
    .updateTable('client_profiles')
    .set({
      first_name: null,
      last_name: null,
      email: null,
      phone: null,
      birthday: null,
      address: null,
      username: null,
      ...searchColumns({ firstName: null, lastName: null, email: null }),
      custom_fields: sql`'{}'::jsonb`,
      image: null,
      erased_at: new Date(erasedAt),
    })
    .where('client_id', 'in', covers)
    .execute();
  await trx
    .updateTable('client_profiles')
    .set({ updated_at: recorded.recordedAt, version: recorded.revision })
    .where('client_id', '=', event.data.clientId)
    .where('version', '<', recorded.revision)
    .execute();
  await trx
    .updateTable('client_memos')
    .set({ text: null })
    .where('client_id', 'in', covers)
    .execute();
  await trx
    .updateTable('client_documents')
    .set({ name: null })
    .where('client_id', 'in', covers)
    .execute();
}

/** The columns a registration writes (the others keep their defaults). */
const PROFILE_COLUMNS = {
  client_id: 'uuid',
  studio_id: 'uuid',
  first_name: 'text',
  last_name: 'text',
  email: 'text',
  phone: 'text',
  birthday: 'text',
  address: 'jsonb',
  username: 'text',
  registered_at: 'timestamptz',
  updated_at: 'timestamptz',
  version: 'int',
  first_folded: 'text',
  last_folded: 'text',
  email_folded: 'text',
  search_text: 'text',
  sort_key: 'text',
} as const;

/**
 * The client profile: what the front desk sees of a client, kept current from the log, and the
 * internal memos staff keep about them.
 */
export const clientProfilesProjection: Projection = {
  name: 'client_profiles',
  eventTypes: clientEventTypes,

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
  async apply(trx: Transaction<any>, events: RecordedEvent[]) {
    // New rows and version moves are gathered and written a statement each per batch: a rebuild
    // applies thousands of them (docs/benchmarks.md). Versions only ever move up (each update is
    // guarded), so moving them at the end leaves the same rows as moving them one by one; a
    // profile not written yet takes its moves into its new row, rather than being written twice
    // (every write of a row also writes each of its indexes).
    const registrations = new Map<string, NewClientProfileRow>();
    const memos: { event: MemoAdded; recorded: RecordedEvent }[] = [];
    const versions = new Map<string, number>();
    const follow = (clientId: string, revision: number) => {
      const pending = registrations.get(clientId);
      if (pending) pending.version = Math.max(pending.version, revision);
      else versions.set(clientId, Math.max(revision, versions.get(clientId) ?? -1));
    };
    const flush = async () => {
      // A replayed batch finds its rows already there: first write wins, nothing doubles, and
      // only the version moves on, as it would have by itself.
      if (registrations.size > 0) {
        const rows = [...registrations.values()];
        registrations.clear();
        await sql`INSERT INTO client_profiles ${unnestRows(rows, PROFILE_COLUMNS)}
          ON CONFLICT (client_id) DO UPDATE SET version = excluded.version
          WHERE client_profiles.version < excluded.version`.execute(trx);
      }
      if (memos.length > 0) {
        await insertMemos(trx, memos.splice(0));
      }
    };
    for (const recorded of events) {
      const event = recorded as unknown as ClientEvent & RecordedEvent;
      if (event.type === 'ClientRegistered') {
        // A second registration of one client only moves the version, in a batch as across two.
        if (registrations.has(event.data.clientId)) {
          follow(event.data.clientId, recorded.revision);
          continue;
        }
        const personal = event.data.personal ?? ERASED_PERSONAL_DETAILS;
        registrations.set(event.data.clientId, {
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
      if (event.type === 'MemoAdded') {
        memos.push({ event, recorded });
        follow(event.data.clientId, recorded.revision);
        continue;
      }
      if (
        event.type === 'EmailClaimLapsed' ||
        event.type === 'PasswordResetRequested' ||
        event.type === 'WelcomeMessageRequested'
      ) {
        // No field changes, but the stream moved: the profile's version (its ETag) follows.
        follow(event.data.clientId, recorded.revision);
        continue;
      }
      await flush();
      if (isMemoEvent(event)) {
        await applyMemo(trx, event, recorded);
        follow(event.data.clientId, recorded.revision);
        continue;
      }
      if (
        event.type === 'ProfileImageChanged' ||
        event.type === 'DocumentAttached' ||
        event.type === 'DocumentRemoved'
      ) {
        await applyFile(trx, event, recorded);
        continue;
      }
      if (
        event.type === 'ClientDetailsChanged' ||
        event.type === 'ConsentGiven' ||
        event.type === 'ConsentWithdrawn'
      ) {
        await applyDetails(trx, event, recorded.revision);
        continue;
      }
      if (
        event.type === 'ClientMergedInto' ||
        event.type === 'ClientUnmerged' ||
        event.type === 'DuplicateMerged' ||
        event.type === 'DuplicateUnmerged'
      ) {
        await applyMerge(trx, event, recorded);
        continue;
      }
      if (event.type === 'ClientErased') {
        await applyErasure(trx, event, recorded);
        continue;
      }
      const current = await trx
        .selectFrom('client_profiles')
        .select(['first_name', 'last_name', 'email', 'version'])
        .where('client_id', '=', event.data.clientId)
        .executeTakeFirst();
      // Guarded by revision, so applying an old event again changes nothing.
      if (!current || current.version >= recorded.revision) continue;
      // Unreadable (the client was erased later): the stream moved, nothing else is known.
      const changes = event.data.personal ?? {};
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
    if (versions.size > 0) {
      const moves = [...versions].map(([id, revision]) => sql`(${id}::uuid, ${revision}::int)`);
      await sql`UPDATE client_profiles p SET version = v.revision
        FROM (VALUES ${sql.join(moves)}) AS v(client_id, revision)
        WHERE p.client_id = v.client_id AND p.version < v.revision`.execute(trx);
    }
  },
  tables: ['client_profiles', 'client_memos', 'client_documents', 'client_merges'],
  // `apply` finds profiles by client_id and memos by memo_id (an erasure's memos by client_id,
  // which the partial index cannot answer): these serve the API's lists and searches only.
  indexesAfterReplay: [
    'client_profiles_by_name',
    'client_profiles_studio_search',
    'client_profiles_prefix_first_folded',
    'client_profiles_prefix_last_folded',
    'client_profiles_prefix_email_folded',
    'client_memos_by_client',
    'client_profiles_merged',
  ],
};
