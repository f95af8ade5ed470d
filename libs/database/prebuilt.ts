import type { CompiledQuery } from 'kysely';

/** What a prebuilt statement takes: text and timestamps, each passed to Kysely as it is. */
export type PrebuiltInput = Record<string, string | Date>;

export interface PrebuiltStatement {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * A statement Kysely builds and compiles from named inputs (a query's `compile()`, or a raw
 * one's `compile(db)`), built and compiled once rather than on every call: the client screen's
 * statement nests a dozen built queries, and building it cost more of the API's CPU than running
 * it. The statement is built twice with stand-ins for the inputs,
 * so each parameter is known to be an input passed as it is, or a constant. A builder that
 * derives a parameter from an input, or whose text depends on one, cannot be built once: it
 * throws here, at its first call, rather than answering with another call's values.
 */
export function prebuilt<Input extends PrebuiltInput>(
  build: (input: Input) => CompiledQuery,
): (input: Input) => PrebuiltStatement {
  let shape: { sql: string; parameters: ((input: Input) => unknown)[] } | null = null;
  return (input) => {
    shape ??= shapeOf(build, Object.keys(input), input);
    const { sql, parameters } = shape;
    return { sql, parameters: parameters.map((parameter) => parameter(input)) };
  };
}

function shapeOf<Input extends PrebuiltInput>(
  build: (input: Input) => CompiledQuery,
  names: string[],
  example: Input,
) {
  // The rounds' stand-ins differ in every part (year, month, day, time of day; length), so a
  // value derived from one (its month, its length) differs between the rounds too. A Date is
  // told apart by identity, a text by its unlikely value.
  const standIns = [
    { at: Date.UTC(2001, 1, 3, 4, 5, 6), text: (name: string) => `\u0000prebuilt:${name}` },
    {
      at: Date.UTC(2017, 10, 28, 19, 41, 53),
      text: (name: string) => `\u0000prebuilt again, longer:${name}`,
    },
  ].map(
    ({ at, text }) =>
      new Map<string, string | Date>(
        names.map((name, i) => [
          name,
          example[name] instanceof Date ? new Date(at + i * 1_001) : text(name),
        ]),
      ),
  );
  const [first, second] = standIns.map((values) => build(Object.fromEntries(values) as Input));
  if (first!.sql !== second!.sql) {
    throw new Error('A prebuilt statement’s text depends on its inputs: build it per call.');
  }
  const inputAt = (value: unknown, values: Map<string, string | Date>) =>
    names.find((name) => values.get(name) === value);
  const parameters = first!.parameters.map((value, at) => {
    const name = inputAt(value, standIns[0]!);
    const again = second!.parameters[at];
    if (name !== undefined && inputAt(again, standIns[1]!) === name) {
      return (input: Input) => input[name];
    }
    // A Date the builder made itself (now, a day from an input) is never taken for a constant.
    if (
      name === undefined &&
      inputAt(again, standIns[1]!) === undefined &&
      !(value instanceof Date) &&
      same(value, again)
    ) {
      return () => value;
    }
    throw new Error(
      `Parameter ${at + 1} of a prebuilt statement is derived from its inputs: build it per call.`,
    );
  });
  return { sql: first!.sql, parameters };
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
