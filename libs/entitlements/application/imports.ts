import { assertClientAddressable } from '@clientele/clients';
import type { EventStore } from '@clientele/eventstore';
import { uuidFrom, type RequestContext } from '@clientele/shared';
import type {
  AccountCommand,
  AccountScope,
  MembershipOnSale,
  PackOnSale,
} from '../domain/account.commands';
import type { ImportedFrom } from '@clientele/shared';
import type { LocalDate } from '../domain/account.events';
import type { AccountState } from '../domain/account.state';
import { decideOnAccount, previewOnAccount } from './account-commands';

/**
 * - `created`: the row's credits or membership are recorded now (or were, by this very job
 *   before it stopped: a resumed job counts a row as it did the first time);
 * - `skipped`: an earlier import of the same file recorded them already.
 */
export type ImportOutcome = 'created' | 'skipped';

export interface CreditsToImport {
  product: PackOnSale | null;
  eventTypes: string[];
  remaining: number;
  expiresOn: LocalDate | null;
  purchasedOn: LocalDate | null;
  importedFrom: ImportedFrom;
}

export interface MembershipToImport {
  product: MembershipOnSale;
  startsOn: LocalDate;
  nextPaymentDue: LocalDate;
  freeze: { from: LocalDate; until: LocalDate } | null;
  importedFrom: ImportedFrom;
}

/**
 * What a row imports takes an id from the client, the file's bytes and the row: the same file
 * imported again (another job) finds it and adds nothing, while its events keep the first job.
 */
const importedId = (kind: string, clientId: string, from: ImportedFrom) =>
  uuidFrom(`import:${kind}:${clientId}:${from.fileSha256}:${from.row}`);

/** Runs (or, for a dry run, only decides) one imported row on the client's account. */
async function importOnAccount(
  store: EventStore,
  context: RequestContext,
  clientId: string,
  command: (scope: AccountScope) => AccountCommand,
  mine: (state: AccountState) => boolean,
  dryRun: boolean,
): Promise<ImportOutcome> {
  // Imported items go to the client staff see: never to a duplicate merged into another.
  await assertClientAddressable(store, context.studioId, clientId);
  if (dryRun) {
    const events = await previewOnAccount(store, context, clientId, command);
    return events.length > 0 ? 'created' : 'skipped';
  }
  const outcome = await decideOnAccount(store, context, clientId, command);
  return outcome.appended.length > 0 || mine(outcome.state) ? 'created' : 'skipped';
}

/** Records the credits a client has left in the product the studio used before (ADR 0021). */
export function importCredits(
  store: EventStore,
  context: RequestContext,
  clientId: string,
  credits: CreditsToImport,
  dryRun: boolean,
): Promise<ImportOutcome> {
  const grantId = importedId('credits', clientId, credits.importedFrom);
  return importOnAccount(
    store,
    context,
    clientId,
    (scope) => ({ type: 'ImportCredits', data: { ...scope, grantId, ...credits } }),
    (state) => {
      const source = state.grants.get(grantId)?.source;
      return source?.kind === 'import' && source.importedFrom.jobId === credits.importedFrom.jobId;
    },
    dryRun,
  );
}

/** Records a membership a client holds in the product the studio used before (ADR 0021). */
export function importMembership(
  store: EventStore,
  context: RequestContext,
  clientId: string,
  membership: MembershipToImport,
  dryRun: boolean,
): Promise<ImportOutcome> {
  const membershipId = importedId('membership', clientId, membership.importedFrom);
  return importOnAccount(
    store,
    context,
    clientId,
    (scope) => ({ type: 'ImportMembership', data: { ...scope, membershipId, ...membership } }),
    (state) =>
      state.memberships.get(membershipId)?.importedFrom?.jobId === membership.importedFrom.jobId,
    dryRun,
  );
}
