import type { ClientState } from '@clientele/clients';
import {
  accountDecider,
  creditsByEventType,
  localDate,
  membershipStatus,
  nextPaymentOf,
  packName,
  remaining,
  type AccountEvent,
  type AccountState,
  type CreditSource,
  type GrantView,
  type MembershipView,
} from '@clientele/entitlements';
import type { RecordedEvent } from '@clientele/eventstore';
import { sessionDecider, type SessionEvent, type SessionState } from '@clientele/scheduling';
import { fold, money, type Money } from '@clientele/shared';
import { signaturesDecider, type SignatureEvent } from '@clientele/waivers';

/** A grant as the audit replays it: the profile's fields, from the account decider. */
export type GrantAsOf = GrantView & { source: CreditSource };

export interface RegistrationAsOf {
  enrollmentId: string;
  sessionId: string;
  clientId: string;
  title: string;
  startsAt: string;
  endsAt: string;
  status: 'confirmed' | 'held' | 'waitlisted';
  attendance: 'checked_in' | 'no_show' | null;
}

/** The account as it stood at an instant, folded by the deciders from the log alone. */
export interface AccountAsOf {
  balances: {
    credits: { eventType: string; available: number; grants: GrantAsOf[] }[];
    accountCredit: Money;
    outstanding: Money;
  };
  activeItems: {
    memberships: MembershipView[];
    packs: (GrantAsOf & { productName: string })[];
    vod: {
      accessId: string;
      clientId: string;
      productId: string;
      name: string;
      from: string;
      until: string;
    }[];
  };
  /** Places held in sessions that had not ended by then, soonest first. */
  registrations: RegistrationAsOf[];
  /** The newest signature of each waiver, by the client or a client merged into it. */
  signedWaivers: {
    waiverId: string;
    clientId: string;
    version: number;
    signedAt: string;
    signedBy: { clientId: string; as: 'self' | 'guardian' };
  }[];
}

/** One client's streams, read up to the instant: what the fold needs of them. */
export interface ClientStreams {
  clientId: string;
  account: RecordedEvent[];
  signatures: RecordedEvent[];
}

const byTime = (a: { at: string }, b: { at: string }) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);

/**
 * Folds the account of a client and of those merged into it at `asOf` (ADR 0016: the survivor
 * answers for them), with the deciders the commands use. `sessions` are the session streams the
 * clients held places in, read up to `asOf`; every stream given is already cut at `asOf`.
 */
export function foldAccount(input: {
  asOf: Date;
  studio: { currency: string; timezone: string };
  clients: ClientStreams[];
  sessions: RecordedEvent[][];
}): AccountAsOf {
  const { asOf, studio } = input;
  const today = localDate(asOf, studio.timezone);
  const ids = new Set(input.clients.map((c) => c.clientId));
  const grants: GrantAsOf[] = [];
  const memberships: MembershipView[] = [];
  const vod: AccountAsOf['activeItems']['vod'] = [];
  const signedWaivers: AccountAsOf['signedWaivers'] = [];
  let accountCredit = 0;
  let outstanding = 0;
  for (const { clientId, account, signatures } of input.clients) {
    const state = fold(accountDecider, account as unknown as AccountEvent[]);
    const granted = new Map<string, Date>();
    const started = new Map<string, string>();
    for (const event of account as unknown as (AccountEvent & RecordedEvent)[]) {
      if (event.type === 'CreditsGranted') granted.set(event.data.grantId, event.recordedAt);
      if (event.type === 'MembershipStarted' || event.type === 'MembershipImported') {
        started.set(event.data.membershipId, event.data.productId);
      }
      if (
        event.type === 'VodAccessGranted' &&
        state.vodAccess.has(event.data.accessId) &&
        Date.parse(event.data.until) > asOf.getTime()
      ) {
        const { accessId, productId, name, from, until } = event.data;
        vod.push({ accessId, clientId, productId, name, from, until });
      }
    }
    for (const grant of state.grants.values()) {
      const live = grant.expiresAt === null || Date.parse(grant.expiresAt) > asOf.getTime();
      grants.push({
        grantId: grant.grantId,
        clientId,
        eventTypes: grant.eventTypes,
        available: live ? remaining(grant) : 0,
        count: grant.count,
        reserved: grant.reserved,
        spent: grant.spent,
        expired: grant.expired,
        expiresAt: grant.expiresAt,
        validityDaysFromFirstUse: grant.expiresAt ? null : grant.validityDaysFromFirstUse,
        source: grant.source,
        grantedAt: granted.get(grant.grantId)!.toISOString(),
      });
    }
    memberships.push(...activeMemberships(state, clientId, started, today));
    accountCredit += state.accountCredit;
    for (const bill of state.bills.values()) {
      if (!bill.voided) outstanding += bill.total.amount - bill.paid;
    }
    const signed = fold(signaturesDecider, signatures as unknown as SignatureEvent[]).signed;
    for (const [waiverId, s] of signed) signedWaivers.push({ waiverId, clientId, ...s });
  }
  // The profile's order: granted first, then by id; then soonest expiry first per event type.
  grants.sort((a, b) =>
    a.grantedAt !== b.grantedAt
      ? a.grantedAt < b.grantedAt
        ? -1
        : 1
      : a.grantId < b.grantId
        ? -1
        : 1,
  );
  return {
    balances: {
      credits: creditsByEventType(grants),
      accountCredit: money(accountCredit, studio.currency),
      outstanding: money(outstanding, studio.currency),
    },
    activeItems: {
      memberships: memberships.sort((a, b) => (a.startsOn < b.startsOn ? -1 : 1)),
      packs: grants
        .filter((g) => g.available > 0 && packName(g.source) !== null)
        .map((g) => ({ ...g, productName: packName(g.source)! })),
      vod: vod.sort((a, b) => (a.until < b.until ? -1 : 1)),
    },
    registrations: input.sessions
      .flatMap((events) => placesOf(events, ids, asOf))
      .sort((a, b) => byTime({ at: a.startsAt }, { at: b.startsAt })),
    signedWaivers: signedWaivers.sort((a, b) => byTime({ at: a.signedAt }, { at: b.signedAt })),
  };
}

function activeMemberships(
  state: AccountState,
  clientId: string,
  productOf: Map<string, string>,
  today: string,
): MembershipView[] {
  return [...state.memberships.values()]
    .filter((m) => !m.cancellation || m.cancellation.effectiveOn > today)
    .map((m) => {
      const cancelledOn = m.cancellation?.effectiveOn ?? null;
      return {
        membershipId: m.membershipId,
        clientId,
        productId: productOf.get(m.membershipId)!,
        name: m.name,
        price: m.price,
        billingPeriod: m.billingPeriod,
        eventTypes: m.eventTypes,
        creditsPerPeriod: m.creditsPerPeriod,
        status: membershipStatus(m.freeze, cancelledOn, today),
        startsOn: m.startsOn,
        currentPeriod: m.currentPeriod,
        nextPaymentDue: nextPaymentOf(m.nextPaymentDue, cancelledOn),
        freeze: m.freeze,
        cancelledOn,
      };
    });
}

/** The clients' places in one session that still counted at `asOf`, if it had not ended. */
function placesOf(events: RecordedEvent[], ids: Set<string>, asOf: Date): RegistrationAsOf[] {
  const state: SessionState = fold(sessionDecider, events as unknown as SessionEvent[]);
  if (state.status !== 'scheduled') return [];
  const { session } = state;
  const endsAt = new Date(Date.parse(session.startsAt) + session.durationMinutes * 60_000);
  if (endsAt.getTime() <= asOf.getTime()) return [];
  return [...state.places.values()]
    .filter((place) => ids.has(place.clientId))
    .flatMap((place) => {
      const counted =
        place.status === 'confirmed' ||
        place.status === 'waitlisted' ||
        (place.status === 'held' && Date.parse(place.heldUntil!) > asOf.getTime());
      if (!counted) return [];
      return [
        {
          enrollmentId: place.enrollmentId,
          sessionId: session.sessionId,
          clientId: place.clientId,
          title: session.title,
          startsAt: new Date(session.startsAt).toISOString(),
          endsAt: endsAt.toISOString(),
          status: place.status as RegistrationAsOf['status'],
          attendance: place.attendance,
        },
      ];
    });
}

/** The clients merged into this one at that instant (ADR 0016), from its own stream. */
export function mergedAt(client: ClientState): string[] {
  return client.status === 'registered' ? [...client.duplicates.keys()] : [];
}
