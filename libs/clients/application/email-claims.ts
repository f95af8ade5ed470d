import {
  commandContext,
  handleCommand,
  handleNewStreams,
  lastRevision,
  WrongExpectedVersion,
  type EventStore,
} from '@clientele/eventstore';
import {
  claimDecider,
  fold,
  ValueAlreadyClaimed,
  type ClaimCommand,
  type ClaimEvent,
  type RequestContext,
} from '@clientele/shared';
import { clientDecider, emailClaimStream, normaliseEmail } from '../domain/client.decider';
import { clientStream, type ClientEvent } from '../domain/client.events';
import { EmailMustBeUniqueInStudio } from '../domain/client.rules';

/**
 * A claim left by a change that never landed (a crash between claiming the email and recording
 * it on the client) may be taken by another client after this long.
 */
const ABANDONED_AFTER_MS = 60_000;
const SCOPE = 'client-email';

/** Claims `email` for `clientId` in the studio, or says which client already has it. */
export async function claimEmail(
  store: EventStore,
  context: RequestContext,
  email: string,
  clientId: string,
): Promise<void> {
  const [outcome] = await claimEmails(store, [{ context, email, clientId }]);
  if (outcome!.status === 'rejected') throw outcome!.reason;
}

export interface EmailClaim {
  context: RequestContext;
  email: string;
  clientId: string;
}

/**
 * Claims each email for its client, as `claimEmail` does, an outcome each. Most emails have
 * never been claimed: those claims go in together, in one append of many streams.
 */
export async function claimEmails(
  store: EventStore,
  claims: readonly EmailClaim[],
): Promise<PromiseSettledResult<void>[]> {
  const tried = await handleNewStreams(
    store,
    claimDecider,
    claims.map(({ context, email, clientId }) => ({
      stream: emailClaimStream(context.studioId, email),
      command: claimCommand(clientId),
      context: commandContext(context, { replayByKey: false }),
    })),
  );
  return Promise.allSettled(
    claims.map(async (claim, i) => {
      const outcome = tried[i]!;
      if (outcome.status === 'fulfilled') return;
      if (!(outcome.reason instanceof ValueAlreadyClaimed)) throw outcome.reason;
      await takeOverAbandoned(store, claim, outcome.reason.holderId);
    }),
  );
}

function claimCommand(holderId: string, takeOverFrom?: string): ClaimCommand {
  return { type: 'ClaimValue', data: { scope: SCOPE, holderId, takeOverFrom } };
}

/** Takes the claim `holder` has on the email if it abandoned it; says who has it otherwise. */
async function takeOverAbandoned(
  store: EventStore,
  { context, email, clientId }: EmailClaim,
  holder: string,
): Promise<void> {
  const stream = emailClaimStream(context.studioId, email);
  const seen = await abandonedAt(store, stream, holder, email, context.now);
  if (seen === null) throw new EmailMustBeUniqueInStudio(holder);
  // Fence the holder before taking its claim: its change, if still in flight, now conflicts
  // with this event instead of landing with an email someone else holds.
  const lapsed: ClientEvent = {
    type: 'EmailClaimLapsed',
    data: { clientId: holder, takenBy: clientId },
  };
  try {
    await store.append(
      clientStream(holder),
      [{ ...lapsed, metadata: commandContext(context, { replayByKey: false }).metadata }],
      { expectedRevision: seen < 0 ? 'no_stream' : seen },
    );
  } catch (fenceError) {
    // The holder moved meanwhile: it is alive, and keeps its claim.
    if (fenceError instanceof WrongExpectedVersion) throw new EmailMustBeUniqueInStudio(holder);
    throw fenceError;
  }
  await handleCommand(
    store,
    stream,
    claimDecider,
    claimCommand(clientId, holder),
    commandContext(context, { replayByKey: false }),
  );
}

/** The revision of an email's claim stream now (-1 when never claimed). */
export async function claimRevision(
  store: EventStore,
  context: RequestContext,
  email: string,
): Promise<number> {
  const claims = await store.readStream(emailClaimStream(context.studioId, email));
  return lastRevision(claims);
}

/**
 * Frees `email` — only if nothing happened to its claim since `atRevision`: a request of the
 * same client that claimed it again meanwhile relies on it, and then it stays claimed.
 */
export async function releaseEmail(
  store: EventStore,
  context: RequestContext,
  email: string,
  clientId: string,
  atRevision: number,
): Promise<void> {
  try {
    await handleCommand(
      store,
      emailClaimStream(context.studioId, email),
      claimDecider,
      { type: 'ReleaseValue', data: { scope: SCOPE, holderId: clientId } },
      commandContext(context, { replayByKey: false, expectedRevision: atRevision }),
    );
  } catch (error) {
    if (!(error instanceof WrongExpectedVersion)) throw error;
  }
}

/**
 * A holder abandoned its claim when, a while after claiming, it still does not carry the email:
 * it never got registered, or its email change never landed. Returns the revision of the
 * holder's stream that showed it (-1: no stream), or null when the claim is live.
 */
async function abandonedAt(
  store: EventStore,
  stream: string,
  holderId: string,
  email: string,
  now: Date,
): Promise<number | null> {
  const claims = await store.readStream(stream);
  const claimedAt = claims[claims.length - 1]?.recordedAt.getTime() ?? 0;
  if (now.getTime() - claimedAt < ABANDONED_AFTER_MS) return null;
  const history = await store.readStream(clientStream(holderId));
  const holder = fold(clientDecider, history as unknown as ClientEvent[]);
  const carries =
    holder.status === 'registered' &&
    holder.personal !== null &&
    normaliseEmail(holder.personal.email) === normaliseEmail(email);
  if (carries) return null;
  return lastRevision(history);
}

/**
 * Frees the claim held in `stream` (a hashed name) by an erased client, whatever the email was:
 * the key that opened it is gone. Nothing happens when the client no longer holds it. Answers
 * whether this call released it.
 */
export async function releaseClaimOf(
  store: EventStore,
  context: RequestContext,
  stream: string,
  clientId: string,
): Promise<boolean> {
  const result = await handleCommand(
    store,
    stream,
    claimDecider,
    { type: 'ReleaseValue', data: { scope: SCOPE, holderId: clientId } },
    commandContext(context, { replayByKey: false }),
  );
  return result.appended.length > 0;
}

/** Who holds the claim in `stream` now (null: nobody). */
export async function claimHolder(store: EventStore, stream: string): Promise<string | null> {
  const claims = await store.readStream(stream);
  return fold(claimDecider, claims as unknown as ClaimEvent[]).holderId;
}
