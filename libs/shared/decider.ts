/**
 * A decider (https://thinkbeforecoding.com/post/2021/12/17/functional-event-sourcing-decider):
 * pure functions over plain data. No I/O, no clock: `now` comes in with each call.
 */
export interface Decider<Command, Event, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  /** Returns the events the command produces, or throws a RuleViolation / InvalidInput. */
  decide(command: Command, state: State, now: Date): Event[];
}

export function fold<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}

/** Makes a switch over a discriminated union exhaustive at compile time. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
