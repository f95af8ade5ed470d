import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { Batcher, DATABASE, type Database } from '@clientele/database';
import { hashToken, isRole, type Role } from '@clientele/staff';
import { NotFound } from '@clientele/shared';

export interface Principal {
  staffId: string;
  studioId: string;
  role: Role;
  tokenId: string;
}

/** Finds the staff member a bearer token belongs to; null for an unknown or revoked token. */
export class AuthenticateToken extends Query<Principal | null> {
  constructor(readonly token: string) {
    super();
  }
}

interface TokenRow {
  token_hash: string;
  staff_id: string;
  studio_id: string;
  token_id: string;
  role: string;
}

// Every request authenticates: concurrent lookups share one statement (see Batcher).
const AUTHENTICATE = `
  SELECT t.token_hash, t.staff_id, t.studio_id, t.token_id, m.role
  FROM staff_tokens t JOIN staff_members m ON m.staff_id = t.staff_id
  WHERE t.token_hash = ANY($1::text[]) AND t.revoked_at IS NULL`;

@QueryHandler(AuthenticateToken)
export class AuthenticateTokenHandler implements IQueryHandler<AuthenticateToken> {
  private readonly lookups: Batcher<string, Principal | null>;

  constructor(@Inject(DATABASE) db: Database) {
    this.lookups = new Batcher({
      maxInFlight: 4,
      maxBatch: 256,
      send: async (hashes) => {
        const rows = await db.derivedSql.query<TokenRow>(AUTHENTICATE, [hashes], {
          name: 'clientele_authenticate',
        });
        const found = new Map(rows.map((row) => [row.token_hash, row]));
        return hashes.map((hash) => ({ status: 'fulfilled', value: toPrincipal(found.get(hash)) }));
      },
    });
  }

  execute({ token }: AuthenticateToken): Promise<Principal | null> {
    return this.lookups.submit(hashToken(token));
  }
}

function toPrincipal(row: TokenRow | undefined): Principal | null {
  if (!row || !isRole(row.role)) return null;
  return { staffId: row.staff_id, studioId: row.studio_id, role: row.role, tokenId: row.token_id };
}

export interface StaffMemberView {
  id: string;
  name: string;
  email: string;
  role: Role;
  addedAt: string;
  tokens: { id: string; label: string; issuedAt: string; revokedAt: string | null }[];
}

export interface StudioView {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  bookingPolicy: { lateCancelMinutes: number };
  createdAt: string;
}

export class GetStudio extends Query<StudioView> {
  constructor(readonly studioId: string) {
    super();
  }
}

@QueryHandler(GetStudio)
export class GetStudioHandler implements IQueryHandler<GetStudio> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId }: GetStudio): Promise<StudioView> {
    const row = await this.db.kysely
      .selectFrom('studios')
      .selectAll()
      .where('studio_id', '=', studioId)
      .executeTakeFirst();
    if (!row) throw new NotFound('studio', studioId);
    return {
      id: row.studio_id,
      name: row.name,
      currency: row.currency,
      timezone: row.timezone,
      bookingPolicy: { lateCancelMinutes: row.late_cancel_minutes },
      createdAt: new Date(row.created_at).toISOString(),
    };
  }
}

export class ListStaff extends Query<StaffMemberView[]> {
  constructor(readonly studioId: string) {
    super();
  }
}

@QueryHandler(ListStaff)
export class ListStaffHandler implements IQueryHandler<ListStaff> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId }: ListStaff): Promise<StaffMemberView[]> {
    const members = await this.db.kysely
      .selectFrom('staff_members')
      .selectAll()
      .where('studio_id', '=', studioId)
      .orderBy('name')
      .execute();
    const tokens = await this.db.kysely
      .selectFrom('staff_tokens')
      .select(['token_id', 'staff_id', 'label', 'issued_at', 'revoked_at'])
      .where('studio_id', '=', studioId)
      .orderBy('issued_at')
      .execute();
    return members.map((m) => ({
      id: m.staff_id,
      name: m.name,
      email: m.email,
      role: m.role,
      addedAt: new Date(m.added_at).toISOString(),
      tokens: tokens
        .filter((t) => t.staff_id === m.staff_id)
        .map((t) => ({
          id: t.token_id,
          label: t.label,
          issuedAt: new Date(t.issued_at).toISOString(),
          revokedAt: t.revoked_at ? new Date(t.revoked_at).toISOString() : null,
        })),
    }));
  }
}
