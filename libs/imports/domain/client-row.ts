import type { ColumnPlan } from './column-mapping';

/** A client as one row of a file gives it: what is empty in the row is absent here. */
export interface ImportedClient {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  birthday?: string;
  address?: {
    line1?: string;
    line2?: string;
    city?: string;
    region?: string;
    postalCode?: string;
    country?: string;
  };
}

/**
 * How a file writes days with slashes: 03/04/1990 is the 3rd of April in Europe and the 4th of
 * March in the United States. `auto` takes what the file's own dates prove (a 25/12 somewhere),
 * and calls a row's date ambiguous when nothing does.
 */
export type DateOrder = 'auto' | 'dmy' | 'mdy';

export type RowReading = { ok: true; client: ImportedClient } | { ok: false; reason: string };

const ISO_DAY = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_FIRST_OR_MONTH_FIRST = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isoDay(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return null;
  if (date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * A two-digit year: of a birthday (`past`), in the last hundred years as of `thisYear`; of an
 * expiry or a payment (`near`), within fifty years either side of it.
 */
function fullYear(text: string, thisYear: number, years: 'past' | 'near'): number {
  const year = Number(text);
  if (text.length === 4) return year;
  const century = Math.floor(thisYear / 100) * 100;
  if (years === 'near') {
    const guess = century + year;
    if (guess > thisYear + 50) return guess - 100;
    return guess < thisYear - 50 ? guess + 100 : guess;
  }
  return century + year > thisYear ? century - 100 + year : century + year;
}

export type DateReading = { day: string } | { problem: string };

/**
 * A day as spreadsheets write it: 1990-04-03 (with a time after it, too), 03.04.1990 (day
 * first, as where dots are used), 3/4/1990 in the file's order. Anything else is refused.
 */
export function readDate(
  text: string,
  order: DateOrder,
  thisYear: number,
  years: 'past' | 'near' = 'past',
): DateReading {
  const iso = ISO_DAY.exec(text);
  if (iso) {
    const day = isoDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    return day ? { day } : { problem: `"${text}" is not a real date` };
  }
  const local = DAY_FIRST_OR_MONTH_FIRST.exec(text);
  if (!local) {
    return { problem: `"${text}" is a date format we cannot read (write YYYY-MM-DD)` };
  }
  const [, a, separator, b, year] = local as unknown as [string, string, string, string, string];
  let dayFirst: boolean;
  if (separator === '.' || order === 'dmy') dayFirst = true;
  else if (order === 'mdy') dayFirst = false;
  else if (Number(a) > 12) dayFirst = true;
  else if (Number(b) > 12) dayFirst = false;
  else if (a === b) dayFirst = true;
  else {
    return {
      problem: `"${text}" could be day/month or month/day; nothing in the file tells which (say the date order: dmy or mdy)`,
    };
  }
  const [day, month] = dayFirst ? [a, b] : [b, a];
  const parsed = isoDay(fullYear(year, thisYear, years), Number(month), Number(day));
  return parsed ? { day: parsed } : { problem: `"${text}" is not a real date` };
}

/**
 * What a file's slashed dates prove about their order: a first number above 12 proves day first,
 * a second above 12 proves month first. Both proven is a mixed file: nothing is assumed.
 */
export class DateOrderEvidence {
  private dayFirst = false;
  private monthFirst = false;

  see(text: string): void {
    const local = DAY_FIRST_OR_MONTH_FIRST.exec(text);
    if (!local || local[2] !== '/') return;
    if (Number(local[1]) > 12) this.dayFirst = true;
    if (Number(local[3]) > 12) this.monthFirst = true;
  }

  get order(): DateOrder {
    if (this.dayFirst === this.monthFirst) return 'auto';
    return this.dayFirst ? 'dmy' : 'mdy';
  }
}

export function cell(cells: readonly string[], plan: ColumnPlan, field: string): string {
  const index = plan[field];
  if (index === undefined) return '';
  return (cells[index] ?? '').trim();
}

/** "Müller, Zoë" (last, first) or "Zoë Müller" (first then the rest). */
function splitFullName(name: string): { firstName: string; lastName: string } {
  const comma = name.indexOf(',');
  if (comma >= 0) {
    return { lastName: name.slice(0, comma).trim(), firstName: name.slice(comma + 1).trim() };
  }
  const space = name.search(/\s/);
  if (space < 0) return { firstName: name, lastName: '' };
  return { firstName: name.slice(0, space), lastName: name.slice(space + 1).trim() };
}

/** Whether a row holds nothing at all (a spreadsheet's trailing `;;;;`): it is not a client. */
export function isBlankRow(cells: readonly string[]): boolean {
  return cells.every((value) => value.trim() === '');
}

/** The normalised email of a row, as duplicates within a file are found by. */
export function rowEmail(cells: readonly string[], plan: ColumnPlan): string {
  return cell(cells, plan, 'email').toLowerCase();
}

/** What makes a row unreadable whatever it holds: bytes that were not UTF-8, NUL characters. */
export function textProblems(cells: readonly string[]): string[] {
  const problems: string[] = [];
  // Bytes that were not UTF-8 (a file saved as Latin-1) decode to U+FFFD: names would be mangled.
  if (cells.some((value) => value.includes('\uFFFD'))) {
    problems.push('the row is not UTF-8 text (save the file as "CSV UTF-8")');
  }
  if (cells.some((value) => value.includes('\u0000'))) {
    problems.push('the row holds NUL characters');
  }
  return problems;
}

/** An email as a row gives it, checked for shape: the client is found by it. */
export function readEmail(email: string, problems: string[]): void {
  if (!email) problems.push('email is missing');
  else if (!EMAIL.test(email)) problems.push(`"${email}" is not an email address`);
}

/**
 * A row as a client, or why it cannot be one. The client's own rules (RegisterClient's decider)
 * still decide; this reads the row and says what a studio can fix in its file.
 */
export function readClientRow(
  cells: readonly string[],
  plan: ColumnPlan,
  options: { dateOrder: DateOrder; thisYear: number },
): RowReading {
  const problems = textProblems(cells);
  let firstName = cell(cells, plan, 'firstName');
  let lastName = cell(cells, plan, 'lastName');
  const fullName = cell(cells, plan, 'fullName');
  if (fullName && !firstName && !lastName) ({ firstName, lastName } = splitFullName(fullName));
  const email = cell(cells, plan, 'email');
  readEmail(email, problems);
  if (!firstName) problems.push('first name is missing');
  if (!lastName) problems.push('last name is missing');
  const client: ImportedClient = { firstName, lastName, email };
  const phone = cell(cells, plan, 'phone');
  if (phone) client.phone = phone;
  const birthday = cell(cells, plan, 'birthday');
  if (birthday) {
    const reading = readDate(birthday, options.dateOrder, options.thisYear);
    if ('day' in reading) client.birthday = reading.day;
    else problems.push(`date of birth ${reading.problem}`);
  }
  const address = {
    line1: cell(cells, plan, 'addressLine1'),
    line2: cell(cells, plan, 'addressLine2'),
    city: cell(cells, plan, 'city'),
    region: cell(cells, plan, 'region'),
    postalCode: cell(cells, plan, 'postalCode'),
    country: cell(cells, plan, 'country'),
  };
  const given = Object.entries(address).filter(([, value]) => value !== '');
  if (given.length > 0) client.address = Object.fromEntries(given);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, client };
}
