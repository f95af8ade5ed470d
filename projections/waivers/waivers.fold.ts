import type { ClientEvent } from '@clientele/clients';
import type { RecordedEvent } from '@clientele/eventstore';
import { assertNever } from '@clientele/shared';
import type { SignatureEvent, WaiverEvent } from '@clientele/waivers';

export type WaiversEvent = RecordedEvent &
  (WaiverEvent | SignatureEvent | Extract<ClientEvent, { type: 'ClientErased' }>);

/* Rows as the fold keeps them: jsonb columns as JSON text. */

export interface WaiverRow {
  waiver_id: string;
  studio_id: string;
  title: string;
  version: number;
  oldest_valid_version: number;
  versions: string;
  created_at: Date;
  updated_at: Date;
  revision: number;
}

export interface SignatureRow {
  client_id: string;
  revision: number;
  studio_id: string;
  waiver_id: string;
  version: number;
  title: string;
  signed_by: string;
  signed_at: string;
  personal: string | null;
}

export interface RequestRow {
  client_id: string;
  waiver_id: string;
  studio_id: string;
  version: number;
  title: string;
  requested_at: Date;
  revision: number;
  open: boolean;
}

/**
 * What a batch reads (the waivers and signature requests it touches, the erased clients among
 * its signers) and what it writes: changed rows by key, signatures and erasures to insert.
 */
export interface WaiverRows {
  waivers: Map<string, WaiverRow>;
  changedWaivers: Set<string>;
  /** By `${clientId}/${waiverId}`. */
  requests: Map<string, RequestRow>;
  changedRequests: Set<string>;
  /** First write wins, as `ON CONFLICT DO NOTHING`. */
  signatures: SignatureRow[];
  erased: Set<string>;
  /** Clients erased in this batch: their signatures already in the table lose their personal data. */
  newlyErased: Set<string>;
}

export const requestKey = (row: { client_id: string; waiver_id: string }) =>
  `${row.client_id}/${row.waiver_id}`;

export function waiverRows(read: {
  waivers: WaiverRow[];
  requests: RequestRow[];
  erased: string[];
}): WaiverRows {
  return {
    waivers: new Map(read.waivers.map((row) => [row.waiver_id, row])),
    changedWaivers: new Set(),
    requests: new Map(read.requests.map((row) => [requestKey(row), row])),
    changedRequests: new Set(),
    signatures: [],
    erased: new Set(read.erased),
    newlyErased: new Set(),
  };
}

export function foldWaiverEvent(rows: WaiverRows, event: WaiversEvent): void {
  switch (event.type) {
    case 'ClientErased':
      for (const clientId of event.data.covers) {
        rows.erased.add(clientId);
        rows.newlyErased.add(clientId);
      }
      for (const signature of rows.signatures) {
        if (rows.erased.has(signature.client_id)) signature.personal = null;
      }
      return;
    case 'WaiverCreated': {
      const { waiverId, studioId, title, body } = event.data;
      if (rows.waivers.has(waiverId)) return;
      rows.waivers.set(waiverId, {
        waiver_id: waiverId,
        studio_id: studioId,
        title,
        version: 1,
        oldest_valid_version: 1,
        versions: JSON.stringify([
          { version: 1, title, body, requiresResigning: false, publishedAt: event.recordedAt },
        ]),
        created_at: event.recordedAt,
        updated_at: event.recordedAt,
        revision: event.revision,
      });
      rows.changedWaivers.add(waiverId);
      return;
    }
    case 'WaiverVersionPublished': {
      const { waiverId, version, title, body, requiresResigning } = event.data;
      const waiver = rows.waivers.get(waiverId);
      if (!waiver || waiver.revision >= event.revision) return;
      const published = { version, title, body, requiresResigning, publishedAt: event.recordedAt };
      waiver.title = title;
      waiver.version = version;
      if (requiresResigning) waiver.oldest_valid_version = version;
      waiver.versions = JSON.stringify([...(JSON.parse(waiver.versions) as unknown[]), published]);
      waiver.updated_at = event.recordedAt;
      waiver.revision = event.revision;
      rows.changedWaivers.add(waiverId);
      return;
    }
    case 'WaiverSigned': {
      const d = event.data;
      // Not once its client was erased, even if a process whose cached key outlived the erasure
      // still opened it (ADR 0015).
      const keepsPersonal = d.personal && !rows.erased.has(d.clientId);
      rows.signatures.push({
        client_id: d.clientId,
        revision: event.revision,
        studio_id: d.studioId,
        waiver_id: d.waiverId,
        version: d.version,
        title: d.title,
        signed_by: JSON.stringify(d.signedBy),
        signed_at: d.signedAt,
        personal: keepsPersonal ? JSON.stringify(d.personal) : null,
      });
      const key = requestKey({ client_id: d.clientId, waiver_id: d.waiverId });
      const request = rows.requests.get(key);
      if (request && request.version <= d.version && request.revision < event.revision) {
        request.open = false;
        request.revision = event.revision;
        rows.changedRequests.add(key);
      }
      return;
    }
    case 'SignatureRequested': {
      const d = event.data;
      const key = requestKey({ client_id: d.clientId, waiver_id: d.waiverId });
      const request = rows.requests.get(key);
      if (request && request.revision >= event.revision) return;
      rows.requests.set(key, {
        client_id: d.clientId,
        waiver_id: d.waiverId,
        studio_id: request?.studio_id ?? d.studioId,
        version: d.version,
        title: d.title,
        requested_at: event.recordedAt,
        revision: event.revision,
        open: true,
      });
      rows.changedRequests.add(key);
      return;
    }
    default:
      assertNever(event);
  }
}
