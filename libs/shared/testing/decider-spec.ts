import { fold, type Decider } from '../decider';

/**
 * Given events, when a command, then events (or an error): a decider test that reads as the
 * business speaks, with no database and no Nest.
 */
export function deciderSpec<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  now: Date = new Date('2026-11-23T10:00:00Z'),
) {
  return {
    given(events: Event[]) {
      return {
        when(command: Command) {
          const act = () => decider.decide(command, fold(decider, events), now);
          return {
            then(expected: Event[]) {
              expect(act()).toEqual(expected);
            },
            thenThrows<E extends Error>(
              type: abstract new (...args: never[]) => E,
              check?: (error: E) => void,
            ) {
              let thrown: unknown;
              try {
                act();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(type);
              check?.(thrown as E);
            },
          };
        },
      };
    },
  };
}
