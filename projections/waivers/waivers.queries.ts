import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import { NotFound } from '@clientele/shared';
import { answeredFor, assertProfileOfStudio } from '@projections/client-profiles';

export interface WaiverSummary {
  waiverId: string;
  title: string;
  version: number;
  /** A signature of this version or later counts. */
  oldestValidVersion: number;
  updatedAt: string;
}

export interface WaiverDetail extends WaiverSummary {
  versions: {
    version: number;
    title: string;
    body: string;
    requiresResigning: boolean;
    publishedAt: string;
  }[];
}

export interface ClientWaivers {
  /** The newest signature of each waiver, by title; `valid`: it still counts. */
  signed: {
    waiverId: string;
    title: string;
    version: number;
    valid: boolean;
    signedAt: string;
    signedBy: { clientId: string; as: 'self' | 'guardian' };
  }[];
  /** Signatures asked for and not yet given. */
  requested: { waiverId: string; title: string; version: number; requestedAt: string }[];
}

export interface SignatureRecord {
  waiverId: string;
  title: string;
  version: number;
  signedAt: string;
  signedBy: { clientId: string; as: 'self' | 'guardian' };
  /** The signature, IP and user agent; null once the client was erased. */
  personal: Record<string, unknown> | null;
}

const iso = (value: unknown) => new Date(value as string).toISOString();

export class ListWaivers extends Query<WaiverSummary[]> {
  constructor(readonly studioId: string) {
    super();
  }
}

export class GetWaiver extends Query<WaiverDetail> {
  constructor(
    readonly studioId: string,
    readonly waiverId: string,
  ) {
    super();
  }
}

export class GetClientWaivers extends Query<ClientWaivers> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

export class ListClientSignatures extends Query<SignatureRecord[]> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

const SUMMARY = ['waiver_id', 'title', 'version', 'oldest_valid_version', 'updated_at'] as const;

function summary(row: Record<(typeof SUMMARY)[number], unknown>): WaiverSummary {
  return {
    waiverId: row.waiver_id as string,
    title: row.title as string,
    version: Number(row.version),
    oldestValidVersion: Number(row.oldest_valid_version),
    updatedAt: iso(row.updated_at),
  };
}

@QueryHandler(ListWaivers)
export class ListWaiversHandler implements IQueryHandler<ListWaivers> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId }: ListWaivers): Promise<WaiverSummary[]> {
    const rows = await this.db.kysely
      .selectFrom('waivers')
      .select(SUMMARY)
      .where('studio_id', '=', studioId)
      .orderBy('title')
      .execute();
    return rows.map(summary);
  }
}

@QueryHandler(GetWaiver)
export class GetWaiverHandler implements IQueryHandler<GetWaiver> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, waiverId }: GetWaiver): Promise<WaiverDetail> {
    const row = await this.db.kysely
      .selectFrom('waivers')
      .select([...SUMMARY, 'versions'])
      .where('studio_id', '=', studioId)
      .where('waiver_id', '=', waiverId)
      .executeTakeFirst();
    if (!row) throw new NotFound('waiver', waiverId);
    const versions = row.versions as WaiverDetail['versions'];
    return {
      ...summary(row),
      versions: versions.map((v) => ({ ...v, publishedAt: iso(v.publishedAt) })),
    };
  }
}

/** The newest signature of each waiver, counting those a client merged into this one brought. */
export function signedWaiversQuery(db: Database, studioId: string, clientId: string) {
  return db.kysely
    .selectFrom('waiver_signatures as s')
    .innerJoin('waivers as w', 'w.waiver_id', 's.waiver_id')
    .distinctOn('s.waiver_id')
    .select([
      's.waiver_id',
      'w.title',
      's.version',
      's.signed_at',
      's.signed_by',
      'w.oldest_valid_version',
    ])
    .where('s.client_id', 'in', answeredFor(clientId))
    .where('s.studio_id', '=', studioId)
    .orderBy('s.waiver_id')
    .orderBy('s.version', 'desc');
}

/** Signatures asked of the client (or a client merged into it) and not yet given. */
export function signatureRequestsQuery(db: Database, studioId: string, clientId: string) {
  return db.kysely
    .selectFrom('signature_requests')
    .select(['waiver_id', 'title', 'version', 'requested_at'])
    .where('client_id', 'in', answeredFor(clientId))
    .where('open', '=', true)
    .where('studio_id', '=', studioId)
    .orderBy('requested_at', 'desc');
}

export function toClientWaivers(
  signed: Record<string, unknown>[],
  requested: Record<string, unknown>[],
): ClientWaivers {
  return {
    signed: signed
      .map((row) => ({
        waiverId: row.waiver_id as string,
        title: row.title as string,
        version: Number(row.version),
        valid: Number(row.version) >= Number(row.oldest_valid_version),
        signedAt: iso(row.signed_at),
        signedBy: row.signed_by as ClientWaivers['signed'][number]['signedBy'],
      }))
      .sort((a, b) => a.title.localeCompare(b.title)),
    requested: requested.map((row) => ({
      waiverId: row.waiver_id as string,
      title: row.title as string,
      version: Number(row.version),
      requestedAt: iso(row.requested_at),
    })),
  };
}

/** A client's waivers on one screen: the newest signature of each, and what was asked for. */
@QueryHandler(GetClientWaivers)
export class GetClientWaiversHandler implements IQueryHandler<GetClientWaivers> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: GetClientWaivers): Promise<ClientWaivers> {
    await assertProfileOfStudio(this.db, studioId, clientId);
    const [signed, requested] = await Promise.all([
      signedWaiversQuery(this.db, studioId, clientId).execute(),
      signatureRequestsQuery(this.db, studioId, clientId).execute(),
    ]);
    return toClientWaivers(signed, requested);
  }
}

@QueryHandler(ListClientSignatures)
export class ListClientSignaturesHandler implements IQueryHandler<ListClientSignatures> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListClientSignatures): Promise<SignatureRecord[]> {
    await assertProfileOfStudio(this.db, studioId, clientId);
    const rows = await this.db.kysely
      .selectFrom('waiver_signatures')
      .select(['waiver_id', 'title', 'version', 'signed_at', 'signed_by', 'personal'])
      .where('client_id', 'in', answeredFor(clientId))
      .where('studio_id', '=', studioId)
      .orderBy('signed_at', 'desc')
      .orderBy('revision', 'desc')
      .execute();
    return rows.map((row) => ({
      waiverId: row.waiver_id as string,
      title: row.title as string,
      version: Number(row.version),
      signedAt: iso(row.signed_at),
      signedBy: row.signed_by as SignatureRecord['signedBy'],
      personal: (row.personal as SignatureRecord['personal']) ?? null,
    }));
  }
}
