/**
 * The client's own stream: `client-<uuid>`. Personal data travels in `personal` only, so one
 * codec (libs/eventstore PersonalDataCodec) can encrypt it per client later without a rewrite.
 */
export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

export interface PersonalDetails {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  birthday: string | null;
  address: Address | null;
  username: string | null;
}

export type ClientRegistered = {
  type: 'ClientRegistered';
  data: { clientId: string; studioId: string; registeredAt: string; personal: PersonalDetails };
};

export type ClientProfileUpdated = {
  type: 'ClientProfileUpdated';
  data: { clientId: string; personal: Partial<PersonalDetails> };
};

/**
 * The email this client had claimed (to register, or to change to) lapsed: the change never
 * landed, and another client took the email. Appended at the revision that was inspected, so
 * the lapsed change, if still in flight, conflicts instead of landing.
 */
export type EmailClaimLapsed = {
  type: 'EmailClaimLapsed';
  data: { clientId: string; takenBy: string };
};

export type ClientEvent = ClientRegistered | ClientProfileUpdated | EmailClaimLapsed;

export const clientEventTypes: ReadonlySet<ClientEvent['type']> = new Set([
  'ClientRegistered',
  'ClientProfileUpdated',
  'EmailClaimLapsed',
]);

export const clientStream = (clientId: string) => `client-${clientId}`;
