import {
  commandContext,
  handleCommand,
  lastRevision,
  WrongExpectedVersion,
  type EventStore,
} from '@clientele/eventstore';
import {
  claimDecider,
  fold,
  ValueAlreadyClaimed,
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
  const stream = emailClaimStream(context.studioId, email);
  const claim = (takeOverFrom?: string) =>
    handleCommand(
      store,
      stream,
      claimDecider,
      { type: 'ClaimValue', data: { scope: SCOPE, holderId: clientId, takeOverFrom } },
      // Most emails have never been claimed: try that first.
      commandContext(context, { replayByKey: false, expectNew: takeOverFrom === undefined }),
    );
  try {
    await claim();
  } catch (error) {
    if (!(error instanceof ValueAlreadyClaimed)) throw error;
    const holder = error.holderId;
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
    await claim(holder);
  }
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
