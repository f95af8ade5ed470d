import type { EventStore } from '@clientele/eventstore';
import { fold, NotFound } from '@clientele/shared';
import { sessionDecider } from '../domain/session.decider';
import { sessionStream, type SessionEvent } from '../domain/session.events';

/** A session of the studio, from its stream; unknown or another studio's is NotFound. */
export async function readSession(store: EventStore, sessionId: string, studioId: string) {
  const state = fold(
    sessionDecider,
    (await store.readStream(sessionStream(sessionId))) as unknown as SessionEvent[],
  );
  if (state.status !== 'scheduled' || state.session.studioId !== studioId) {
    throw new NotFound('session', sessionId);
  }
  return state;
}
