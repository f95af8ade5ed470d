/**
 * Whether two values are the same data as JSON sees it (as they would be recorded in an event):
 * objects alike whatever the order of their keys (jsonb gives them back in its own order, and
 * each API consumer sends its own), and otherwise as `JSON.stringify` writes them — a key holding
 * undefined absent, a date as its ISO text, a class instance as its fields. "Nothing changed" is
 * decided by this, so a command that repeats what is recorded records nothing.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return sameData(asJson(a), asJson(b));
}

function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** Structural equality of parsed JSON: primitives, arrays in order, objects by key. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const left = Object.entries(a);
  const right = b as Record<string, unknown>;
  return (
    left.length === Object.keys(right).length &&
    left.every(([key, value]) => Object.hasOwn(right, key) && sameData(value, right[key]))
  );
}
