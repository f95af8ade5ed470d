import type { Money } from '@clientele/shared';
import type { LocalDate } from './account.events';

/**
 * Lists of a client include what the clients merged into it hold (ADR 0016): each item names
 * `clientId`, the client whose account holds it, so it remembers where it came from.
 */
export interface GrantView {
  grantId: string;
  clientId: string;
  eventTypes: string[];
  /** Usable now: granted and adjusted, less reserved, spent and expired; 0 once expired. */
  available: number;
  count: number;
  reserved: number;
  spent: number;
  expired: number;
  expiresAt: string | null;
  /** A pack whose validity starts on first use and has not been used yet. */
  validityDaysFromFirstUse: number | null;
  source: unknown;
  grantedAt: string;
}

export interface MembershipView {
  membershipId: string;
  clientId: string;
  productId: string;
  name: string;
  price: Money;
  billingPeriod: unknown;
  eventTypes: string[];
  creditsPerPeriod: number | null;
  status: MembershipStatus;
  startsOn: string;
  currentPeriod: { from: string; until: string };
  nextPaymentDue: string | null;
  freeze: { from: string; until: string } | null;
  cancelledOn: string | null;
}

/** What every view of a grant carries for the balance: its event types, what is left, when it ends. */
export interface GrantBalance {
  eventTypes: string[];
  available: number;
  expiresAt: string | null;
}

/**
 * Credits per event type, soonest expiry first: the order they will be spent in. One rule for
 * the profile (read model) and the audit's replay (the account decider), so the two agree.
 */
export function creditsByEventType<G extends GrantBalance>(
  grants: G[],
): { eventType: string; available: number; grants: G[] }[] {
  const byType = new Map<string, G[]>();
  for (const grant of grants) {
    if (grant.available <= 0) continue;
    for (const type of grant.eventTypes) byType.set(type, [...(byType.get(type) ?? []), grant]);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([eventType, list]) => ({
      eventType,
      available: list.reduce((n, g) => n + g.available, 0),
      grants: [...list].sort(
        (a, b) =>
          (a.expiresAt ? Date.parse(a.expiresAt) : Infinity) -
          (b.expiresAt ? Date.parse(b.expiresAt) : Infinity),
      ),
    }));
}

export type MembershipStatus = 'active' | 'frozen' | 'ending' | 'cancelled';

/** A membership as the desk sees it on `today` (the studio's day). */
export function membershipStatus(
  freeze: { from: LocalDate; until: LocalDate } | null,
  cancelledOn: LocalDate | null,
  today: LocalDate,
): MembershipStatus {
  if (cancelledOn && cancelledOn <= today) return 'cancelled';
  if (freeze && freeze.from <= today && today < freeze.until) return 'frozen';
  return cancelledOn ? 'ending' : 'active';
}

/** A membership ending at or before its next payment date has no next payment. */
export function nextPaymentOf(nextPaymentDue: LocalDate, cancelledOn: LocalDate | null) {
  return cancelledOn && cancelledOn <= nextPaymentDue ? null : nextPaymentDue;
}
