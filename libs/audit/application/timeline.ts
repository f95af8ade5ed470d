import type { ImportedFrom } from '@clientele/shared';
import type { Money } from '@clientele/shared';
import type { ClientHistory, HistoryEntry } from './client-history';

/** A line of the timeline an auditor reads: when, who, where, what happened in words. */
export interface TimelineLine {
  at: string;
  actor: string;
  stream: string;
  clientId: string;
  type: string;
  what: string;
  correlationId: string;
}

/** Minor units in the currency's own decimals (JPY has none, USD two). */
function amount(m: Money | null | undefined): string {
  if (!m) return '';
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return `${(m.amount / 10 ** digits).toFixed(digits)} ${m.currency}`;
}

/** "CreditsGranted" → "credits granted": the words of an event nobody wrote a sentence for. */
const inWords = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** Where an imported fact came from, for an auditor to find the row in the file. */
function importedFrom(from: ImportedFrom | undefined): string {
  if (!from) return '';
  return `, imported from row ${from.row} of ${from.fileName} (sha256 ${from.fileSha256.slice(0, 12)}…, import ${from.jobId})`;
}

type Data = Record<string, unknown> & { personal?: Record<string, unknown> | null };

/** What an event says, in a sentence a studio would use. Names stay out once erased. */
export function describe(
  entry: HistoryEntry,
  sessions: ReadonlyMap<string, { title: string; startsAt: string }>,
): string {
  const d = entry.data as Data;
  const session = () => {
    const s = sessions.get(String(d.sessionId));
    return s ? `${s.title} at ${s.startsAt}` : `session ${String(d.sessionId)}`;
  };
  switch (entry.type) {
    case 'ClientRegistered':
      return `${
        d.personal
          ? `registered as ${String(d.personal.firstName)} ${String(d.personal.lastName)} <${String(d.personal.email)}>`
          : 'registered (personal details erased)'
      }${importedFrom(d.importedFrom as ImportedFrom | undefined)}`;
    case 'ClientProfileUpdated':
      return d.personal
        ? `profile changed: ${Object.keys(d.personal).join(', ')}`
        : 'profile changed (personal details erased)';
    case 'ClientErased':
      return 'erased: personal data forgotten';
    case 'ClientMergedInto':
      return `merged into client ${String(d.survivorId)}`;
    case 'DuplicateMerged':
      return `client ${String(d.duplicateId)} merged into this one`;
    case 'CreditsGranted':
      return `${String(d.count)} credits granted for ${(d.eventTypes as string[]).join(', ')}${importedFrom((d.source as { importedFrom?: ImportedFrom }).importedFrom)}`;
    case 'CreditsSpent':
    case 'CreditsReserved':
    case 'CreditsReturned':
    case 'CreditsExpired':
      return `${String(d.count)} ${inWords(entry.type)}`;
    case 'SaleRecorded':
      return `sale of ${((d.lines as { name: string }[]) ?? []).map((l) => l.name).join(', ')} for ${amount(d.total as Money)}`;
    case 'BillIssued':
      return `bill of ${amount(d.total as Money)} due ${String(d.dueOn)}`;
    case 'PaymentRecorded':
      return `payment of ${amount(d.amount as Money)} by ${String(d.method)}`;
    case 'PaymentRefunded':
      return `refund of ${amount(d.amount as Money)}: ${String(d.reason)}`;
    case 'AccountCreditAdded':
    case 'AccountCreditDeducted':
      return `${inWords(entry.type)}: ${amount(d.amount as Money)} (balance ${amount(d.balanceAfter as Money)})`;
    case 'MembershipStarted':
      return `membership ${String(d.name)} started on ${String(d.startsOn)}`;
    case 'MembershipImported':
      return `membership ${String(d.name)} (since ${String(d.startsOn)}, next payment ${String(d.nextPaymentDue)})${importedFrom(d.importedFrom as ImportedFrom)}`;
    case 'WaiverSigned':
      return `signed waiver "${String(d.title)}" v${String(d.version)}`;
    case 'SeatHeld':
      return `place held in ${session()}`;
    case 'Waitlisted':
      return `waitlisted for ${session()}`;
    case 'EnrollmentConfirmed':
      return `enrolled in ${session()}`;
    case 'EnrollmentCancelled':
      return `enrollment in ${session()} cancelled (${String(d.outcome)})`;
    case 'EnrollmentRefunded':
      return `enrollment in ${session()} refunded`;
    case 'ClientCheckedIn':
      return `checked in to ${session()}`;
    case 'ClientMarkedNoShow':
      return `no-show at ${session()}`;
    case 'RelationshipAdded':
      return `related to client ${String(d.otherClientId)} (${String(d.role)})`;
    default:
      return inWords(entry.type);
  }
}

export function timeline(history: ClientHistory): TimelineLine[] {
  const sessions = new Map(history.sessions.map((s) => [s.sessionId, s]));
  return history.events.map((entry) => ({
    at: entry.recordedAt,
    actor: `${entry.actor.type}:${entry.actor.id}`,
    stream: entry.stream,
    clientId: entry.clientId,
    type: entry.type,
    what: describe(entry, sessions),
    correlationId: entry.correlationId,
  }));
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const COLUMNS: (keyof TimelineLine)[] = [
  'at',
  'actor',
  'stream',
  'clientId',
  'type',
  'what',
  'correlationId',
];

export function timelineCsv(lines: TimelineLine[]): string {
  return [COLUMNS, ...lines.map((line) => COLUMNS.map((c) => line[c]))]
    .map((row) => row.map(csvField).join(','))
    .join('\r\n');
}

/** The account at the end of the timeline, in a few lines. */
export function accountSummary(history: ClientHistory): string[] {
  const { balances, activeItems, registrations } = history;
  const credits = balances.credits.map((c) => `${c.available} ${c.eventType}`).join(', ');
  // `streams` are those read; say how many held something, as the lines above show.
  const holding = new Set(history.events.map((event) => event.stream)).size;
  return [
    `As of ${history.asOf}: ${count(history.events.length, 'event')} in ${count(holding, 'stream')} (${history.streams.length} read)`,
    `  credits: ${credits || 'none'}; account credit ${amount(balances.accountCredit)}; outstanding ${amount(balances.outstanding)}`,
    `  active: ${activeItems.memberships.length} memberships, ${activeItems.packs.length} packs, ${activeItems.vod.length} video access`,
    ...registrations.map((r) => `  registered: ${r.title} at ${r.startsAt} (${r.status})`),
  ];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
