import type { FieldError } from '@clientele/shared';
import { cell, readDate, readEmail, textProblems, type DateOrder } from './client-row';
import { CLIENT_COLUMNS, EMAIL_HEADERS, type ColumnPlan, type ColumnSpec } from './column-mapping';

/**
 * Credits a client has left in the product the studio used before, as one row gives them: of a
 * pack of the catalog (by name or id), or a plain count for some event types.
 */
export interface ImportedCredits {
  email: string;
  /** The catalog product as the row names it (its name or its id); null for a plain count. */
  product: string | null;
  /** The event types a plain count is for (a pack's come from the catalog). */
  eventTypes: string[];
  remaining: number;
  expiresOn: string | null;
  purchasedOn: string | null;
}

/** A membership as one row gives it: the product (by name or id), its dates, any freeze. */
export interface ImportedMembership {
  email: string;
  product: string;
  startsOn: string;
  nextPaymentDue: string;
  freeze: { from: string; until: string } | null;
}

export type Reading<T> = { ok: true; row: T } | { ok: false; reason: string };

interface ReadOptions {
  dateOrder: DateOrder;
  thisYear: number;
}

const need = (plan: ColumnPlan, field: string, message = 'no column for it'): FieldError[] =>
  plan[field] === undefined ? [{ field, message }] : [];

export const CREDIT_COLUMNS: ColumnSpec = {
  rows: 'credits',
  noun: 'credits',
  fields: ['email', 'product', 'eventTypes', 'remaining', 'expiresOn', 'purchasedOn'],
  headerNames: {
    email: EMAIL_HEADERS,
    product: [
      'product',
      'productname',
      'pack',
      'packname',
      'package',
      'packagename',
      'pass',
      'passname',
      'passtype',
      'series',
      'productid',
      'paket',
      'produkt',
      'karte',
      'forfait',
      'carnet',
      'produit',
      'bono',
      'paquete',
      'producto',
      'pacchetto',
      'prodotto',
      'pakket',
      'strippenkaart',
      'rittenkaart',
    ],
    eventTypes: ['eventtypes', 'eventtype', 'classtypes', 'classtype', 'validfor', 'category'],
    remaining: [
      'remaining',
      'creditsleft',
      'remainingcredits',
      'creditsremaining',
      'classesleft',
      'classesremaining',
      'remainingclasses',
      'sessionsleft',
      'sessionsremaining',
      'remainingsessions',
      'visitsleft',
      'visitsremaining',
      'remainingvisits',
      'left',
      'balance',
      'verbleibend',
      'rest',
      'restguthaben',
      'restant',
      'restants',
      'restantes',
      'rimanenti',
      'resterend',
    ],
    expiresOn: [
      'expires',
      'expiry',
      'expirydate',
      'expiration',
      'expirationdate',
      'expireson',
      'expiresat',
      'validuntil',
      'validto',
      'validthrough',
      'enddate',
      'gultigbis',
      'ablaufdatum',
      'ablauf',
      'expire',
      'dateexpiration',
      'datedexpiration',
      'validejusqua',
      'caducidad',
      'fechadecaducidad',
      'vencimiento',
      'fechadevencimiento',
      'scadenza',
      'datadiscadenza',
      'geldigtot',
      'vervaldatum',
    ],
    purchasedOn: [
      'purchasedate',
      'purchasedon',
      'purchased',
      'datepurchased',
      'purchasedat',
      'boughton',
      'saledate',
      'kaufdatum',
      'gekauftam',
      'dateachat',
      'datedachat',
      'fechadecompra',
      'datadiacquisto',
      'aankoopdatum',
    ],
  },
  missing: (plan) => [
    ...need(plan, 'email'),
    ...need(plan, 'remaining'),
    ...(plan.product === undefined && plan.eventTypes === undefined
      ? [{ field: 'product', message: 'no column for it (nor for the event types of a count)' }]
      : []),
  ],
  dateFields: ['expiresOn', 'purchasedOn'],
  example: 'email=E-mail,product=Pass,remaining=Classes left,expiresOn=Valid until',
};

export const MEMBERSHIP_COLUMNS: ColumnSpec = {
  rows: 'memberships',
  noun: 'membership',
  fields: ['email', 'product', 'startsOn', 'nextPaymentDue', 'freezeFrom', 'freezeUntil'],
  headerNames: {
    email: EMAIL_HEADERS,
    product: [
      'membership',
      'membershipname',
      'membershiptype',
      'product',
      'productname',
      'productid',
      'plan',
      'contract',
      'mitgliedschaft',
      'vertrag',
      'tarif',
      'abonnement',
      'abo',
      'adhesion',
      'membresia',
      'suscripcion',
      'abbonamento',
      'lidmaatschap',
    ],
    startsOn: [
      'startdate',
      'start',
      'startson',
      'startedon',
      'since',
      'membersince',
      'beginn',
      'startdatum',
      'vertragsbeginn',
      'datededebut',
      'debut',
      'fechadeinicio',
      'inicio',
      'datadiinizio',
      'datainizio',
      'ingangsdatum',
    ],
    nextPaymentDue: [
      'nextpayment',
      'nextpaymentdate',
      'nextpaymentdue',
      'nextbilling',
      'nextbillingdate',
      'nextcharge',
      'nextchargedate',
      'nextrenewal',
      'renewaldate',
      'renews',
      'renewson',
      'nachstezahlung',
      'nachsteabbuchung',
      'prochainpaiement',
      'prochainprelevement',
      'proximopago',
      'proximocobro',
      'prossimopagamento',
      'volgendebetaling',
    ],
    freezeFrom: [
      'freezestart',
      'freezefrom',
      'frozenfrom',
      'freezebegins',
      'pausestart',
      'pausefrom',
      'holdstart',
      'holdfrom',
      'suspendedfrom',
      'pausebeginn',
      'ruhezeitbeginn',
      'debutdepause',
      'iniciodepausa',
      'iniziosospensione',
    ],
    freezeUntil: [
      'freezeend',
      'freezeuntil',
      'frozenuntil',
      'freezeends',
      'pauseend',
      'pauseuntil',
      'holdend',
      'holduntil',
      'suspendeduntil',
      'pauseende',
      'ruhezeitende',
      'findepause',
      'findepausa',
      'finesospensione',
    ],
  },
  missing: (plan) => [
    ...need(plan, 'email'),
    ...need(plan, 'product'),
    ...need(plan, 'startsOn'),
    ...need(plan, 'nextPaymentDue'),
    ...(plan.freezeFrom !== undefined && plan.freezeUntil === undefined
      ? [{ field: 'freezeUntil', message: 'no column for it, and a freeze needs its end' }]
      : []),
  ],
  dateFields: ['startsOn', 'nextPaymentDue', 'freezeFrom', 'freezeUntil'],
  example: 'email=E-mail,product=Membership,startsOn=Start,nextPaymentDue=Next billing date',
};

/** A date of the row, or null when its cell is empty; a date it cannot read is a problem. */
function dateCell(
  cells: readonly string[],
  plan: ColumnPlan,
  field: string,
  label: string,
  options: ReadOptions,
  problems: string[],
): string | null {
  const text = cell(cells, plan, field);
  if (!text) return null;
  const reading = readDate(text, options.dateOrder, options.thisYear, 'near');
  if ('day' in reading) return reading.day;
  problems.push(`${label} ${reading.problem}`);
  return null;
}

/** A count as a spreadsheet writes it: "5", "5.0"; not "5.5", "-1" or "five". */
function readCount(text: string): number | null {
  if (!/^\d+(?:[.,]0+)?$/.test(text)) return null;
  return Number.parseInt(text, 10);
}

/**
 * A row as credits left, or why not. The account's own rules (ImportCredits) still decide; this
 * reads the row and says what a studio can fix in its file.
 */
export function readCreditRow(
  cells: readonly string[],
  plan: ColumnPlan,
  options: ReadOptions,
): Reading<ImportedCredits> {
  const problems = textProblems(cells);
  const email = cell(cells, plan, 'email');
  readEmail(email, problems);
  const product = cell(cells, plan, 'product') || null;
  const eventTypes = cell(cells, plan, 'eventTypes')
    .split(/[|,;/]/)
    .map((type) => type.trim().toLowerCase())
    .filter((type) => type !== '');
  if (product === null && eventTypes.length === 0) {
    problems.push('the product is missing (or, for a plain count, the event types)');
  }
  const remainingText = cell(cells, plan, 'remaining');
  const remaining = readCount(remainingText);
  if (!remainingText) problems.push('the credits left are missing');
  else if (remaining === null) problems.push(`"${remainingText}" is not a number of credits`);
  else if (remaining === 0) problems.push('no credits are left: nothing to import');
  const expiresOn = dateCell(cells, plan, 'expiresOn', 'expiry date', options, problems);
  const purchasedOn = dateCell(cells, plan, 'purchasedOn', 'purchase date', options, problems);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    row: { email, product, eventTypes, remaining: remaining!, expiresOn, purchasedOn },
  };
}

/** A row as a membership, or why not (ImportMembership's rules still decide). */
export function readMembershipRow(
  cells: readonly string[],
  plan: ColumnPlan,
  options: ReadOptions,
): Reading<ImportedMembership> {
  const problems = textProblems(cells);
  const email = cell(cells, plan, 'email');
  readEmail(email, problems);
  const product = cell(cells, plan, 'product');
  if (!product) problems.push('the membership is missing');
  const startsOn = dateCell(cells, plan, 'startsOn', 'start date', options, problems);
  if (!cell(cells, plan, 'startsOn')) problems.push('the start date is missing');
  const nextPaymentDue = dateCell(cells, plan, 'nextPaymentDue', 'next payment', options, problems);
  if (!cell(cells, plan, 'nextPaymentDue')) problems.push('the next payment date is missing');
  const from = dateCell(cells, plan, 'freezeFrom', 'freeze start', options, problems);
  const until = dateCell(cells, plan, 'freezeUntil', 'freeze end', options, problems);
  const freezeFromText = cell(cells, plan, 'freezeFrom');
  const freezeUntilText = cell(cells, plan, 'freezeUntil');
  if (freezeFromText && !freezeUntilText) problems.push('the freeze has a start but no end');
  if (!freezeFromText && freezeUntilText) problems.push('the freeze has an end but no start');
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    row: {
      email,
      product,
      startsOn: startsOn!,
      nextPaymentDue: nextPaymentDue!,
      freeze: from && until ? { from, until } : null,
    },
  };
}

/** What an import brings: its rows are clients, credits left, or memberships. */
export type ImportKind = 'clients' | 'credits' | 'memberships';

export const IMPORT_KINDS: readonly ImportKind[] = ['clients', 'credits', 'memberships'];

export const IMPORT_COLUMNS: Record<ImportKind, ColumnSpec> = {
  clients: CLIENT_COLUMNS,
  credits: CREDIT_COLUMNS,
  memberships: MEMBERSHIP_COLUMNS,
};
