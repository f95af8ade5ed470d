import { assertNever } from '@clientele/shared';
import type { CreditsIssued, Notification } from './notification';

/** Whom it goes to, read when it is sent: the client's name and email as they are then. */
export interface Recipient {
  firstName: string;
  lastName: string;
  email: string;
}

export interface StudioOfMessage {
  name: string;
  timezone: string;
}

export interface Message {
  subject: string;
  text: string;
}

/** The words of a notification. Plain text: nothing a mail client could run or load. */
export function composeMessage(
  notification: Notification,
  recipient: Recipient,
  studio: StudioOfMessage,
): Message {
  const hello = `Hello ${recipient.firstName},\n\n`;
  const bye = `\n\n${studio.name}\n`;
  switch (notification.kind) {
    case 'welcome':
      return {
        subject: `Welcome to ${studio.name}`,
        text: `${hello}Welcome to ${studio.name}! Your client account is ready: book classes and see your credits, bills and waivers at the front desk or in the studio's app, with this email address.${bye}`,
      };
    case 'password_reset':
      return {
        subject: `Resetting your ${studio.name} password`,
        text: `${hello}${studio.name} was asked to reset the password of your account. To choose a new one, open the ${studio.name} app; if it asks for a reference, it is ${notification.id}.\n\nIf you did not ask for this, ignore this message: nothing has changed.${bye}`,
      };
    case 'signature_request': {
      const { title, version } = notification.data;
      return {
        subject: `Please sign "${title}"`,
        text: `${hello}Before your next class, ${studio.name} asks you to sign "${title}" (version ${version}). You can sign it at the front desk or in the studio's app.${bye}`,
      };
    }
    case 'credits_issued': {
      const credits = notification.data;
      const plural = credits.count === 1 ? 'credit' : 'credits';
      return {
        subject: `${credits.count} ${plural} added to your ${studio.name} account`,
        text: `${hello}${credits.count} ${plural} for ${credits.eventTypes.join(', ')} ${source(credits)}. ${validity(credits, studio.timezone)}${bye}`,
      };
    }
    default:
      return assertNever(notification);
  }
}

function source(credits: CreditsIssued): string {
  return credits.from.kind === 'sale'
    ? `came with ${credits.from.productName}`
    : 'were added to your account';
}

function validity(credits: CreditsIssued, timezone: string): string {
  if (credits.expiresAt) {
    // The day as the studio counts it: 2027-03-01, never an ambiguous 03/01.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(
      new Date(credits.expiresAt),
    );
    return `They can be used until ${day}.`;
  }
  if (credits.validityDaysFromFirstUse !== null) {
    return `They can be used for ${credits.validityDaysFromFirstUse} days from the first class you book with one.`;
  }
  return 'They do not expire.';
}
