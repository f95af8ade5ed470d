import { commandContext, handleCommand, type EventStore } from '@clientele/eventstore';
import {
  claimDecider,
  claimStream,
  ValueAlreadyClaimed,
  type RequestContext,
} from '@clientele/shared';
import { clientDecider, normaliseEmail } from '../domain/client.decider';
import { clientStream } from '../domain/client.events';
import { EmailMustBeUniqueInStudio } from '../domain/client.rules';

/** A claim left behind by a crash between claiming and registering may be taken after this. */
const ABANDONED_AFTER_MS = 60_000;
const SCOPE = 'client-email';

/** The stream that holds one email of one studio. */
export function emailClaimStream(studioId: string, email: string): string {
  return claimStream('clientEmail', studioId, normaliseEmail(email));
}

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
    if (!(await isAbandoned(store, stream, error.holderId, email, context.now))) {
      throw new EmailMustBeUniqueInStudio(error.holderId);
    }
    await claim(error.holderId);
  }
}

export async function releaseEmail(
  store: EventStore,
  context: RequestContext,
  email: string,
  clientId: string,
): Promise<void> {
  await handleCommand(
    store,
    emailClaimStream(context.studioId, email),
    claimDecider,
    { type: 'ReleaseValue', data: { scope: SCOPE, holderId: clientId } },
    commandContext(context, { replayByKey: false }),
  );
}

/**
 * A holder abandoned its claim when, a while after claiming, it still does not carry the email:
 * it never got registered, or its email change never landed.
 */
async function isAbandoned(
  store: EventStore,
  stream: string,
  holderId: string,
  email: string,
  now: Date,
): Promise<boolean> {
  const claims = await store.readStream(stream);
  const claimedAt = claims[claims.length - 1]?.recordedAt.getTime() ?? 0;
  if (now.getTime() - claimedAt < ABANDONED_AFTER_MS) return false;
  const holder = (await store.readStream(clientStream(holderId))).reduce(
    (state, event) => clientDecider.evolve(state, event as never),
    clientDecider.initialState,
  );
  return (
    holder.status !== 'registered' ||
    normaliseEmail(holder.personal.email) !== normaliseEmail(email)
  );
}
