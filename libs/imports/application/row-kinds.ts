import { readProduct, type Product } from '@clientele/catalog';
import { claimHolder, emailClaimStream, normaliseEmail } from '@clientele/clients';
import {
  importCredits,
  importMembership,
  onSale,
  type ImportOutcome,
  type MembershipOnSale,
  type PackOnSale,
} from '@clientele/entitlements';
import type { EventStore } from '@clientele/eventstore';
import {
  ClienteleError,
  NotFound,
  type ImportedFrom,
  type RequestContext,
} from '@clientele/shared';
import {
  CLIENT_COLUMNS,
  CREDIT_COLUMNS,
  cell,
  MEMBERSHIP_COLUMNS,
  readClientRow,
  readCreditRow,
  readMembershipRow,
  rowEmail,
  type ColumnPlan,
  type ColumnSpec,
  type DateOrder,
  type ImportKind,
} from '../domain';
import {
  ClientRowImporter,
  reasonOf,
  rowContext,
  type ClientRow,
  type RowOutcome,
} from './client-rows';
import type { StoredImportJob } from './import-jobs';

/** What a studio can fix in its file: the row fails with this as its reason. */
class RowFailed extends Error {}

/** A studio's products, archived ones too (a client may hold a pack no longer sold). */
export type StudioCatalog = (studioId: string) => Promise<Product[]>;

export interface RowReadOptions {
  dateOrder: DateOrder;
  thisYear: number;
}

/** Imports one row of a job's file: reads it, then records (or, dry, decides) it. */
type RowImport = (
  cells: string[],
  plan: ColumnPlan,
  row: number,
  options: RowReadOptions,
) => Promise<RowOutcome>;

/** A row of a job's file: its cells and its number in the spreadsheet. */
export interface FileRow {
  cells: string[];
  row: number;
}

/** Imports a chunk of a job's rows (none a duplicate of another): an outcome per row, in order. */
export type ChunkImport = (
  rows: readonly FileRow[],
  plan: ColumnPlan,
  options: RowReadOptions,
) => Promise<RowOutcome[]>;

/** What one kind of import reads from a file and how a row of it is imported. */
export interface RowKind {
  columns: ColumnSpec;
  /** Rows of one file that must not repeat a key (a client file's emails). */
  unique?: { key(cells: string[], plan: ColumnPlan): string; reason(firstRow: number): string };
  /** Once per run of a job: what its rows need (the studio's catalog, read once). */
  prepare(job: StoredImportJob): Promise<ChunkImport>;
}

export function clientRows(store: EventStore): RowKind {
  const importer = new ClientRowImporter(store);
  return {
    columns: CLIENT_COLUMNS,
    unique: {
      key: rowEmail,
      reason: (first) => `duplicate in the file: row ${first} has the same email`,
    },
    // A chunk's readable rows are imported together (a few statements a chunk, ADR 0017).
    prepare: async (job) => async (rows, plan, options) => {
      const outcomes: RowOutcome[] = [];
      const importing: { at: number; row: ClientRow }[] = [];
      rows.forEach(({ cells, row }, at) => {
        const reading = readClientRow(cells, plan, options);
        if (!reading.ok) outcomes[at] = { outcome: 'failed', reason: reading.reason };
        else {
          const context = rowContext(job, reading.client.email, new Date());
          const from = importedFrom(job, row);
          importing.push({ at, row: { client: reading.client, context, importedFrom: from } });
        }
      });
      const imported = await importer.import(
        importing.map((i) => i.row),
        job.dryRun,
      );
      importing.forEach(({ at }, n) => (outcomes[at] = imported[n]!));
      return outcomes;
    },
  };
}

/**
 * A kind whose rows are imported one by one: a chunk's rows go side by side, and all of them end
 * before the chunk does (a row that fails the job leaves none of the others running).
 */
function sideBySide(importRow: RowImport): ChunkImport {
  return async (rows, plan, options) => {
    const settled = await Promise.allSettled(
      rows.map(({ cells, row }) => importRow(cells, plan, row, options)),
    );
    return settled.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The catalog of a studio, found by a row's product cell: its id, or its name (case and spacing
 * aside). Names come from the catalog's read model, read once per run; an id it does not hold
 * yet (a product created a moment ago) is read from the product's own stream.
 */
class ProductIndex {
  private readonly byId = new Map<string, Product>();
  private readonly byName = new Map<string, Product[]>();

  constructor(
    private readonly store: EventStore,
    private readonly studioId: string,
    products: Product[],
  ) {
    for (const product of products) {
      this.byId.set(product.id, product);
      const name = fold(product.name);
      this.byName.set(name, [...(this.byName.get(name) ?? []), product]);
    }
  }

  async find(text: string): Promise<Product> {
    const id = text.toLowerCase();
    const known = this.byId.get(id);
    if (known) return known;
    if (UUID.test(id)) {
      try {
        const product = await readProduct(this.store, this.studioId, id);
        this.byId.set(id, product);
        return product;
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
    }
    const named = this.byName.get(fold(text)) ?? [];
    if (named.length === 1) return named[0]!;
    if (named.length > 1) {
      throw new RowFailed(
        `${named.length} products are named "${text}": give the product's id (${named.map((p) => p.id).join(', ')})`,
      );
    }
    throw new RowFailed(
      `the studio has no product "${text}" (create it in the catalog, or give its exact name or id)`,
    );
  }
}

const fold = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The command context of an imported row: its key derives from the job and the row, so a row
 * done again (a resumed job) is found in the account it changed and changes nothing twice.
 */
function entitlementContext(job: StoredImportJob, row: number): RequestContext {
  return {
    studioId: job.studioId,
    actor: job.createdBy,
    correlationId: job.id,
    idempotencyKey: `import:${job.id}:row:${row}`,
    now: new Date(),
  };
}

/** The client a row names by email: imported before (`import clients`), or the row fails. */
async function clientOf(store: EventStore, studioId: string, email: string): Promise<string> {
  const holder = await claimHolder(store, emailClaimStream(studioId, email));
  if (holder === null) {
    throw new RowFailed(
      `no client of the studio has the email ${normaliseEmail(email)} (import the clients first)`,
    );
  }
  return holder;
}

/**
 * Runs a row's import, turning what a studio can fix (an unknown client or product, a rule of
 * the account) into the row's reason; anything else (the database) fails the job.
 */
async function outcomeOf(
  work: () => Promise<{ clientId: string; outcome: ImportOutcome }>,
): Promise<RowOutcome> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RowFailed) return { outcome: 'failed', reason: error.message };
    if (error instanceof ClienteleError) return { outcome: 'failed', reason: reasonOf(error) };
    throw error;
  }
}

function importedFrom(job: StoredImportJob, row: number): ImportedFrom {
  return { jobId: job.id, fileName: job.fileName, fileSha256: job.fileSha256, row };
}

async function productIndex(
  store: EventStore,
  catalog: StudioCatalog | undefined,
  studioId: string,
): Promise<ProductIndex> {
  if (!catalog) throw new Error('This process has no catalog to find products in.');
  return new ProductIndex(store, studioId, await catalog(studioId));
}

export function creditRows(store: EventStore, catalog?: StudioCatalog): RowKind {
  return {
    columns: CREDIT_COLUMNS,
    async prepare(job) {
      const products = await productIndex(store, catalog, job.studioId);
      return sideBySide((cells, plan, row, options) =>
        outcomeOf(async () => {
          const reading = readCreditRow(cells, plan, options);
          if (!reading.ok) throw new RowFailed(reading.reason);
          const credits = reading.row;
          let product: PackOnSale | null = null;
          if (credits.product !== null) {
            const found = await products.find(credits.product);
            const sold = onSale(found);
            if (sold.kind !== 'class_pack' && sold.kind !== 'private_pass') {
              throw new RowFailed(
                `"${found.name}" is a ${sold.kind}, not a pack or pass of credits`,
              );
            }
            product = sold;
          }
          const clientId = await clientOf(store, job.studioId, credits.email);
          const outcome = await importCredits(
            store,
            entitlementContext(job, row),
            clientId,
            {
              product,
              eventTypes: product ? product.credits.eventTypes : credits.eventTypes,
              remaining: credits.remaining,
              expiresOn: credits.expiresOn,
              purchasedOn: credits.purchasedOn,
              importedFrom: importedFrom(job, row),
            },
            job.dryRun,
          );
          return { clientId, outcome };
        }),
      );
    },
  };
}

export function membershipRows(store: EventStore, catalog?: StudioCatalog): RowKind {
  return {
    columns: MEMBERSHIP_COLUMNS,
    // Rows run side by side: a client's second row of one membership fails as the later one,
    // not whichever reaches the account first (the account refuses a second one all the same).
    unique: {
      key: (cells, plan) => {
        const email = rowEmail(cells, plan);
        return email && `${email} ${fold(cell(cells, plan, 'product'))}`;
      },
      reason: (first) => `duplicate in the file: row ${first} has the same client and membership`,
    },
    async prepare(job) {
      const products = await productIndex(store, catalog, job.studioId);
      return sideBySide((cells, plan, row, options) =>
        outcomeOf(async () => {
          const reading = readMembershipRow(cells, plan, options);
          if (!reading.ok) throw new RowFailed(reading.reason);
          const membership = reading.row;
          const found = await products.find(membership.product);
          const sold = onSale(found);
          if (sold.kind !== 'membership') {
            throw new RowFailed(`"${found.name}" is a ${sold.kind}, not a membership`);
          }
          const clientId = await clientOf(store, job.studioId, membership.email);
          const outcome = await importMembership(
            store,
            entitlementContext(job, row),
            clientId,
            {
              product: sold satisfies MembershipOnSale,
              startsOn: membership.startsOn,
              nextPaymentDue: membership.nextPaymentDue,
              freeze: membership.freeze,
              importedFrom: importedFrom(job, row),
            },
            job.dryRun,
          );
          return { clientId, outcome };
        }),
      );
    },
  };
}

export function rowKinds(store: EventStore, catalog?: StudioCatalog): Record<ImportKind, RowKind> {
  return {
    clients: clientRows(store),
    credits: creditRows(store, catalog),
    memberships: membershipRows(store, catalog),
  };
}
