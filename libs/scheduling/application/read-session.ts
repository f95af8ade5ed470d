import type { EventStore } from '@clientele/eventstore';
import { fold, NotFound } from '@clientele/shared';
import { classTypeDecider, classTypeStream, type ClassTypeEvent } from '../domain/class-type';
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

/** A class type of the studio, from its stream; unknown or another studio's is NotFound. */
export async function readClassType(store: EventStore, studioId: string, classTypeId: string) {
  const state = fold(
    classTypeDecider,
    (await store.readStream(classTypeStream(classTypeId))) as unknown as ClassTypeEvent[],
  );
  if (state.status !== 'created' || state.classType.studioId !== studioId) {
    throw new NotFound('class_type', classTypeId);
  }
  return state.classType;
}
