import { rowsWithKeys, unnestRows, upsertRows } from '@clientele/database';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { sql, type Transaction } from 'kysely';
import {
  foldWaiverEvent,
  waiverRows,
  type RequestRow,
  type WaiverRow,
  type WaiversEvent,
} from './waivers.fold';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

const WAIVER_EVENTS = new Set<string>([
  'WaiverCreated',
  'WaiverVersionPublished',
  'WaiverSigned',
  'SignatureRequested',
  'ClientErased',
]);

/**
 * Waivers with their versions; who signed which version, when; signatures asked for. A batch is
 * applied set-wise: the rows it touches are read a statement a table, its events folded into
 * them in memory (waivers.fold.ts), and written back a statement a table.
 */
export const waiversProjection: Projection = {
  name: 'waivers',
  eventTypes: WAIVER_EVENTS,

  async apply(trx: Trx, recorded: RecordedEvent[]) {
    const events = recorded as WaiversEvent[];
    const waiverIds = new Set<string>();
    const requested = { clients: [] as string[], waivers: [] as string[] };
    const signers = new Set<string>();
    for (const event of events) {
      if (event.type === 'ClientErased') continue;
      waiverIds.add(event.data.waiverId);
      if (event.type === 'WaiverSigned' || event.type === 'SignatureRequested') {
        requested.clients.push(event.data.clientId);
        requested.waivers.push(event.data.waiverId);
      }
      if (event.type === 'WaiverSigned') signers.add(event.data.clientId);
    }
    const rows = waiverRows({
      waivers: (await rowsWithKeys(trx, 'waivers', 'waiver_id', waiverIds)).map((row) => ({
        ...(row as WaiverRow),
        versions: JSON.stringify(row.versions),
      })),
      requests:
        requested.clients.length > 0
          ? ((
              await sql`
                SELECT DISTINCT r.* FROM signature_requests AS r
                  JOIN unnest(${requested.clients}::uuid[], ${requested.waivers}::uuid[])
                    AS k(client_id, waiver_id)
                    ON r.client_id = k.client_id AND r.waiver_id = k.waiver_id`.execute(trx)
            ).rows as RequestRow[])
          : [],
      erased:
        signers.size > 0
          ? (
              await trx
                .selectFrom('waiver_erased_clients')
                .select('client_id')
                .where('client_id', 'in', [...signers])
                .execute()
            ).map((row) => row.client_id as string)
          : [],
    });
    for (const event of events) foldWaiverEvent(rows, event);

    if (rows.changedWaivers.size > 0) {
      const changed = [...rows.changedWaivers].map((id) => rows.waivers.get(id)!);
      await upsertRows('waivers', changed, WAIVER_COLUMNS, ['waiver_id']).execute(trx);
    }
    if (rows.newlyErased.size > 0) {
      const erased = [...rows.newlyErased].map((clientId) => ({ client_id: clientId }));
      await sql`INSERT INTO waiver_erased_clients ${unnestRows(erased, { client_id: 'uuid' })}
        ON CONFLICT DO NOTHING`.execute(trx);
    }
    if (rows.signatures.length > 0) {
      await sql`INSERT INTO waiver_signatures ${unnestRows(rows.signatures, SIGNATURE_COLUMNS)}
        ON CONFLICT DO NOTHING`.execute(trx);
    }
    if (rows.newlyErased.size > 0) {
      await trx
        .updateTable('waiver_signatures')
        .set({ personal: null })
        .where('client_id', 'in', [...rows.newlyErased])
        .execute();
    }
    if (rows.changedRequests.size > 0) {
      const changed = [...rows.changedRequests].map((key) => rows.requests.get(key)!);
      await upsertRows('signature_requests', changed, REQUEST_COLUMNS, [
        'client_id',
        'waiver_id',
      ]).execute(trx);
    }
  },
  tables: ['waivers', 'waiver_signatures', 'signature_requests', 'waiver_erased_clients'],
};

const WAIVER_COLUMNS = {
  waiver_id: 'uuid',
  studio_id: 'uuid',
  title: 'text',
  version: 'int',
  oldest_valid_version: 'int',
  versions: 'jsonb',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  revision: 'int',
} as const;

const SIGNATURE_COLUMNS = {
  client_id: 'uuid',
  revision: 'int',
  studio_id: 'uuid',
  waiver_id: 'uuid',
  version: 'int',
  title: 'text',
  signed_by: 'jsonb',
  signed_at: 'timestamptz',
  personal: 'jsonb',
} as const;

const REQUEST_COLUMNS = {
  client_id: 'uuid',
  waiver_id: 'uuid',
  studio_id: 'uuid',
  version: 'int',
  title: 'text',
  requested_at: 'timestamptz',
  revision: 'int',
  open: 'boolean',
} as const;
