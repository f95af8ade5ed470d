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

export type ClientEvent = ClientRegistered | ClientProfileUpdated;

export const clientEventTypes: ReadonlySet<ClientEvent['type']> = new Set([
  'ClientRegistered',
  'ClientProfileUpdated',
]);

export const clientStream = (clientId: string) => `client-${clientId}`;
