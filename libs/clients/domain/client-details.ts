import {
  assertNever,
  InvalidInput,
  sameJson,
  type Decider,
  type FieldError,
} from '@clientele/shared';

/**
 * What a studio keeps about its clients beyond name and contact (seeds 001, 004): a customer
 * group, newsletter preference, whether each integration may sync the client, custom fields the
 * studio defines, and the data-protection consent given. The studio's definitions live on their
 * own stream (`clientFields-<studioId>`); a client's values live on the client's stream.
 */
export type CustomFieldType = 'text' | 'number' | 'date' | 'boolean' | 'choice';

export interface CustomFieldDefinition {
  /** How the value is named in the API: `emergencyContact`, `shoeSize`. */
  key: string;
  label: string;
  type: CustomFieldType;
  /** For `choice`: the values a client may have. */
  choices?: string[];
}

export interface ClientFieldDefinitions {
  customerGroups: string[];
  customFields: CustomFieldDefinition[];
  /** The integrations the studio syncs clients to (`mailchimp`, `zapier`): each can be turned off per client. */
  integrations: string[];
}

export const NO_CLIENT_FIELDS: ClientFieldDefinitions = {
  customerGroups: [],
  customFields: [],
  integrations: [],
};

export type CustomFieldValue = string | number | boolean | null;

export interface ClientDetails {
  customerGroup: string | null;
  newsletter: boolean;
  /** Per integration: false when the client must not be synced to it. Absent: synced. */
  sync: Record<string, boolean>;
  customFields: Record<string, CustomFieldValue>;
}

export const DEFAULT_DETAILS: ClientDetails = {
  customerGroup: null,
  newsletter: false,
  sync: {},
  customFields: {},
};

export interface Consent {
  /** The version of the text consented to, as the studio names it (`2026-01`). */
  version: string;
  givenAt: string;
}

export const clientFieldsStream = (studioId: string) => `clientFields-${studioId}`;

export type ClientFieldsEvent = {
  type: 'ClientFieldsDefined';
  data: { studioId: string } & ClientFieldDefinitions;
};
export type DefineClientFieldsCommand = {
  type: 'DefineClientFields';
  data: { studioId: string } & ClientFieldDefinitions;
};

const KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,49}$/;
const NAME_MAX = 100;

function checkNames(field: string, names: string[], errors: FieldError[], pattern?: RegExp) {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    const ok = pattern ? pattern.test(name) : name.trim().length > 0 && name.length <= NAME_MAX;
    if (!ok) errors.push({ field: `${field}.${i}`, message: 'is not a valid name' });
    if (seen.has(name)) errors.push({ field: `${field}.${i}`, message: 'is listed twice' });
    seen.add(name);
  });
}

/** The studio's definitions as given, checked whole: a definition replaces the last. */
export const clientFieldsDecider: Decider<
  DefineClientFieldsCommand,
  ClientFieldsEvent,
  ClientFieldDefinitions
> = {
  initialState: NO_CLIENT_FIELDS,
  evolve: (_state, event) => {
    const { customerGroups, customFields, integrations } = event.data;
    return { customerGroups, customFields, integrations };
  },
  decide(command, state) {
    const { customerGroups, customFields, integrations } = command.data;
    const errors: FieldError[] = [];
    checkNames('customerGroups', customerGroups, errors);
    checkNames('integrations', integrations, errors, KEY);
    checkNames(
      'customFields',
      customFields.map((f) => f.key),
      errors,
      KEY,
    );
    customFields.forEach((f, i) => {
      if (f.label.trim().length === 0 || f.label.length > NAME_MAX) {
        errors.push({ field: `customFields.${i}.label`, message: 'must be 1–100 characters' });
      }
      if (f.type === 'choice') {
        if (!f.choices || f.choices.length === 0) {
          errors.push({ field: `customFields.${i}.choices`, message: 'must list the choices' });
        } else checkNames(`customFields.${i}.choices`, f.choices, errors);
      } else if (f.choices !== undefined) {
        errors.push({ field: `customFields.${i}.choices`, message: 'only a choice has choices' });
      }
    });
    if (errors.length > 0) throw new InvalidInput('The client fields are not valid.', errors);
    const next = { customerGroups, customFields, integrations };
    if (sameJson(next, state)) return [];
    return [{ type: 'ClientFieldsDefined', data: command.data }];
  },
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TEXT_MAX = 500;

function checkValue(definition: CustomFieldDefinition, value: CustomFieldValue): string | null {
  if (value === null) return null;
  switch (definition.type) {
    case 'text':
      return typeof value === 'string' && value.length <= TEXT_MAX
        ? null
        : `must be text of at most ${TEXT_MAX} characters`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'date': {
      const ok =
        typeof value === 'string' &&
        DAY.test(value) &&
        new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
      return ok ? null : 'must be a real date as YYYY-MM-DD';
    }
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choice':
      return typeof value === 'string' && definition.choices?.includes(value)
        ? null
        : `must be one of ${definition.choices?.join(', ')}`;
    default:
      return assertNever(definition.type);
  }
}

/**
 * The changes that really change something, checked against the studio's definitions; an empty
 * object when nothing changes. Custom fields are merged by key; `null` clears one.
 */
export function detailsChanges(
  current: ClientDetails,
  changes: Partial<ClientDetails>,
  definitions: ClientFieldDefinitions,
): Partial<ClientDetails> {
  const errors: FieldError[] = [];
  const { customerGroup, newsletter, sync, customFields } = changes;
  if (customerGroup != null && !definitions.customerGroups.includes(customerGroup)) {
    errors.push({
      field: 'customerGroup',
      message: `must be one of the studio's groups: ${definitions.customerGroups.join(', ') || 'none defined'}`,
    });
  }
  // Null is no answer to "newsletter or not": recorded, it would break every reader of it.
  if (newsletter !== undefined && typeof newsletter !== 'boolean') {
    errors.push({ field: 'newsletter', message: 'must be true or false' });
  }
  for (const [integration, on] of Object.entries(sync ?? {})) {
    if (!definitions.integrations.includes(integration)) {
      errors.push({ field: `sync.${integration}`, message: 'is not an integration of the studio' });
    } else if (typeof on !== 'boolean') {
      errors.push({ field: `sync.${integration}`, message: 'must be true or false' });
    }
  }
  for (const [key, value] of Object.entries(customFields ?? {})) {
    const definition = definitions.customFields.find((f) => f.key === key);
    const problem = definition ? checkValue(definition, value) : 'is not a field of the studio';
    if (problem) errors.push({ field: `customFields.${key}`, message: problem });
  }
  if (errors.length > 0) throw new InvalidInput('The client details are not valid.', errors);
  const changed: Partial<ClientDetails> = {};
  if (customerGroup !== undefined && customerGroup !== current.customerGroup) {
    changed.customerGroup = customerGroup;
  }
  if (newsletter !== undefined && newsletter !== current.newsletter)
    changed.newsletter = newsletter;
  const syncChanged = Object.entries(sync ?? {}).filter(
    ([k, v]) => (current.sync[k] ?? true) !== v,
  );
  if (syncChanged.length > 0) changed.sync = Object.fromEntries(syncChanged);
  const fieldsChanged = Object.entries(customFields ?? {}).filter(
    ([k, v]) => (current.customFields[k] ?? null) !== v,
  );
  if (fieldsChanged.length > 0) changed.customFields = Object.fromEntries(fieldsChanged);
  return changed;
}

/** The details after a change: sync and custom fields merge by key, `null` clears a field. */
export function withDetails(current: ClientDetails, change: Partial<ClientDetails>): ClientDetails {
  const customFields = { ...current.customFields, ...change.customFields };
  for (const [key, value] of Object.entries(customFields)) {
    if (value === null) delete customFields[key];
  }
  return {
    customerGroup:
      change.customerGroup !== undefined ? change.customerGroup : current.customerGroup,
    newsletter: change.newsletter ?? current.newsletter,
    sync: { ...current.sync, ...change.sync },
    customFields,
  };
}

const CONSENT = /^[a-z][a-z0-9_]{0,49}$/;

export function checkConsent(consent: string, version: string | null): void {
  const errors: FieldError[] = [];
  if (!CONSENT.test(consent)) {
    errors.push({ field: 'consent', message: 'must be a name such as data_protection' });
  }
  if (version !== null && (version.trim().length === 0 || version.length > NAME_MAX)) {
    errors.push({ field: 'version', message: 'must be 1–100 characters' });
  }
  if (errors.length > 0) throw new InvalidInput('The consent is not valid.', errors);
}
