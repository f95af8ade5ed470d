import type { PersonalDetails } from './client.events';

export type RegisterClientCommand = {
  type: 'RegisterClient';
  data: {
    clientId: string;
    studioId: string;
    firstName: string;
    lastName: string;
    email: string;
    phone?: string | null;
    birthday?: string | null;
    address?: PersonalDetails['address'];
    username?: string | null;
  };
};

export type UpdateClientProfileCommand = {
  type: 'UpdateClientProfile';
  data: { clientId: string; studioId: string; changes: Partial<PersonalDetails> };
};

export type ClientCommand = RegisterClientCommand | UpdateClientProfileCommand;
