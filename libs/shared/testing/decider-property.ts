import fc from 'fast-check';
import { fold, type Decider } from '../decider';
import { ClienteleError } from '../errors';

/**
 * Property tests of a decider (issue 8): random sequences of commands, valid and invalid, in any
 * order, each decided against the state so far and its events evolved in, with the invariants
 * checked after every step.
 */

/** One step of a run: time moves on (never back), then a command made from the state so far. */
export interface Step<Command, State> {
  advanceMinutes: number;
  command: (state: State, now: Date) => Command;
}

/** What one step did: the events it emitted, or the domain's refusal (then no events). */
export interface Decided<Command, Event, State> {
  command: Command;
  now: Date;
  before: State;
  events: Event[];
  after: State;
  refusal: ClienteleError | null;
}

/**
 * Runs the steps through `decide` and `evolve`. A refusal must be one of the domain's errors
 * (a TypeError or RangeError out of a decider is a bug, not a refusal). At the end, folding every
 * emitted event from scratch, as read back from the store (JSON), must give the same state as the
 * stepwise evolve.
 */
export function runSteps<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  start: Date,
  steps: readonly Step<Command, State>[],
  check: (decided: Decided<Command, Event, State>) => void,
): { state: State; events: Event[] } {
  let state = decider.initialState;
  let clock = start.getTime();
  const all: Event[] = [];
  // The commands as made from the state, shown with a failure: the generated values alone
  // (picks by index) do not say which bill or payment a command was about.
  const trace: { now: Date; command: Command; outcome: string | Event[] }[] = [];
  try {
    for (const step of steps) {
      clock += step.advanceMinutes * 60_000;
      const now = new Date(clock);
      const command = step.command(state, now);
      let events: Event[] = [];
      let refusal: ClienteleError | null = null;
      try {
        events = decider.decide(command, state, now);
      } catch (error) {
        if (!(error instanceof ClienteleError)) throw error;
        refusal = error;
      }
      trace.push({ now, command, outcome: refusal ? refusal.code : events });
      const after = events.reduce(decider.evolve, state);
      check({ command, now, before: state, events, after, refusal });
      all.push(...events);
      state = after;
    }
    const stored = JSON.parse(JSON.stringify(all)) as Event[];
    expect(fold(decider, stored)).toEqual(state);
  } catch (error) {
    if (error instanceof Error) {
      const lines = trace.map(
        ({ now, command, outcome }) =>
          `${now.toISOString()} ${JSON.stringify(command)}\n  → ${
            typeof outcome === 'string'
              ? outcome
              : outcome.map((e) => JSON.stringify(e)).join('\n    ')
          }`,
      );
      error.message += `\n\nCommands decided:\n${lines.join('\n')}`;
    }
    throw error;
  }
  return { state, events: all };
}

/** A step whose command is made from a generated value, shown by that value in a counterexample. */
export function describedStep<Command, State, T>(
  advanceMinutes: number,
  value: T,
  make: (value: T, state: State, now: Date) => Command,
): Step<Command, State> {
  return {
    advanceMinutes,
    command: (state, now) => make(value, state, now),
    [fc.toStringMethod]: () => `+${advanceMinutes}min ${fc.stringify(value)}`,
  } as Step<Command, State>;
}

/** Minutes a step moves the clock: mostly little, sometimes days (expiries, renewals). */
export const advance = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 90 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 * 24 * 45 }) },
);

/**
 * How a decider's property test writes its kinds of step: `step(values, make, weight)` is a
 * step made from a generated value, `weight` times as likely as a plain one, the clock moved by
 * `minutes` first.
 */
export function stepsOf<Command, State>(minutes: fc.Arbitrary<number> = advance) {
  return <T>(
    command: fc.Arbitrary<T>,
    make: (value: T, state: State, now: Date) => Command,
    weight = 1,
  ): fc.WeightedArbitrary<Step<Command, State>> => ({
    weight,
    arbitrary: fc
      .record({ advanceMinutes: minutes, value: command })
      .map(({ advanceMinutes, value }) => describedStep(advanceMinutes, value, make)),
  });
}

/**
 * Runs of a property: FC_SEED (and FC_PATH) replay the counterexample a failure printed;
 * FC_NUM_RUNS runs more of them for a longer search.
 */
export function propertyParameters(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  return {
    numRuns: Number(process.env.FC_NUM_RUNS ?? numRuns),
    ...(seed ? { seed: Number(seed), path: process.env.FC_PATH } : {}),
  };
}

/** An item of a list picked by a generated index, or the fallback when the list is empty. */
export function pick<T>(items: readonly T[], index: number, fallback: T): T {
  return items.length === 0 ? fallback : items[index % items.length]!;
}
