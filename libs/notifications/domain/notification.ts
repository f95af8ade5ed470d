import { uuidFrom } from '@clientele/shared';

/**
 * What a client is told, and why: each notification comes from one event, and its id derives
 * from that event's id, so however often the event is written or read again (a retried append,
 * a replay) it names the same notification.
 */
export type Notification =
  | (About & { kind: 'welcome'; data: Record<string, never> })
  | (About & { kind: 'password_reset'; data: Record<string, never> })
  | (About & {
      kind: 'signature_request';
      data: { waiverId: string; title: string; version: number };
    })
  | (About & { kind: 'credits_issued'; data: CreditsIssued });

export type NotificationKind = Notification['kind'];

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'welcome',
  'password_reset',
  'signature_request',
  'credits_issued',
];

interface About {
  id: string;
  studioId: string;
  /** The recipient: the address is looked up when it is sent, never kept in the notification. */
  clientId: string;
}

export interface CreditsIssued {
  count: number;
  eventTypes: string[];
  expiresAt: string | null;
  validityDaysFromFirstUse: number | null;
  /** A sale names its product; a complimentary grant says nothing of staff's reason. */
  from: { kind: 'complimentary' } | { kind: 'sale'; productName: string };
}

/**
 * An event as this context reads it: only the fields below, none of them personal data (the
 * store hands the event over with `personal` sealed).
 */
export interface SourceEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: { studioId: string };
}

/** The events other contexts record, as far as a notification needs them. */
type Read =
  | { type: 'ClientRegistered'; data: { clientId: string; importedFrom?: unknown } }
  | { type: 'WelcomeMessageRequested'; data: { clientId: string } }
  | { type: 'PasswordResetRequested'; data: { clientId: string } }
  | {
      type: 'SignatureRequested';
      data: { clientId: string; waiverId: string; title: string; version: number };
    }
  | {
      type: 'CreditsGranted';
      data: {
        clientId: string;
        eventTypes: string[];
        count: number;
        expiresAt: string | null;
        validityDaysFromFirstUse: number | null;
        source:
          | { kind: 'complimentary' }
          | { kind: 'sale'; productName: string }
          | { kind: 'membership' }
          | { kind: 'import' };
      };
    };

const NOTIFYING: Record<Read['type'], true> = {
  ClientRegistered: true,
  WelcomeMessageRequested: true,
  PasswordResetRequested: true,
  SignatureRequested: true,
  CreditsGranted: true,
};

/** The types of the events that may cause a notification; no other one does. */
export const NOTIFYING_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(NOTIFYING));

/** The notifications an event causes: none for most. */
export function notificationsFor(event: SourceEvent): Notification[] {
  const read = event as unknown as Read;
  const about = (kind: NotificationKind) => ({
    id: uuidFrom(`notification:${kind}:${event.id}`),
    studioId: event.metadata.studioId,
    clientId: read.data.clientId,
  });
  switch (read.type) {
    case 'ClientRegistered':
      // A studio moving its clients over chooses when they hear from it (ResendWelcome), not the
      // import: a hundred thousand welcomes on the day of the move would be spam.
      if (read.data.importedFrom) return [];
      return [{ ...about('welcome'), kind: 'welcome', data: {} }];
    case 'WelcomeMessageRequested':
      return [{ ...about('welcome'), kind: 'welcome', data: {} }];
    case 'PasswordResetRequested':
      return [{ ...about('password_reset'), kind: 'password_reset', data: {} }];
    case 'SignatureRequested': {
      const { waiverId, title, version } = read.data;
      return [
        {
          ...about('signature_request'),
          kind: 'signature_request',
          data: { waiverId, title, version },
        },
      ];
    }
    case 'CreditsGranted': {
      const { source, count, eventTypes, expiresAt, validityDaysFromFirstUse } = read.data;
      // A membership's credits come with every period the client pays for: no news to them.
      if (source.kind === 'membership') return [];
      // Imported credits are what the client already had elsewhere: no news to them either.
      if (source.kind === 'import') return [];
      const from: CreditsIssued['from'] =
        source.kind === 'sale'
          ? { kind: 'sale', productName: source.productName }
          : { kind: 'complimentary' };
      return [
        {
          ...about('credits_issued'),
          kind: 'credits_issued',
          data: { count, eventTypes, expiresAt, validityDaysFromFirstUse, from },
        },
      ];
    }
    default:
      return [];
  }
}
