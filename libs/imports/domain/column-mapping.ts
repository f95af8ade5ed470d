import { InvalidInput, type FieldError } from '@clientele/shared';

/** What a column of a client file can hold, named as RegisterClient names it. */
export const CLIENT_FIELDS = [
  'firstName',
  'lastName',
  'fullName',
  'email',
  'phone',
  'birthday',
  'addressLine1',
  'addressLine2',
  'city',
  'region',
  'postalCode',
  'country',
] as const;

export type ClientField = (typeof CLIENT_FIELDS)[number];

/** A field and the header of the column that holds it, as the studio said (`email=E-mail`). */
export type ColumnMapping = Partial<Record<string, string>>;

/** Which column (by index) holds each field of a file. */
export type ColumnPlan = Partial<Record<string, number>>;

/** What a file of one kind of import holds: its fields, the headers they go by, what it needs. */
export interface ColumnSpec {
  /** What the rows are, in words: "clients", "credits". */
  rows: string;
  /** What a field is of, in words: "client" (a client field). */
  noun: string;
  fields: readonly string[];
  /** Headers studio products export, folded (see `foldHeader`), in order of preference. */
  headerNames: Readonly<Record<string, readonly string[]>>;
  /** The fields the file lacks that it must have, each with why. */
  missing(plan: ColumnPlan): FieldError[];
  /** Fields holding dates: the file's own dates prove which order it writes them in. */
  dateFields: readonly string[];
  /** A mapping to show when the columns cannot be matched. */
  example: string;
}

/**
 * Headers that studio products and spreadsheets export, folded (see `foldHeader`), in order of
 * preference: a file with both "mobile" and "home phone" gives the mobile.
 */
const CLIENT_HEADER_NAMES: Record<ClientField, readonly string[]> = {
  firstName: [
    'firstname',
    'first',
    'givenname',
    'forename',
    'clientfirstname',
    'memberfirstname',
    'customerfirstname',
    'contactfirstname',
    'vorname',
    'prenom',
    'nombre',
    'nome',
    'voornaam',
  ],
  lastName: [
    'lastname',
    'last',
    'surname',
    'familyname',
    'clientlastname',
    'memberlastname',
    'customerlastname',
    'contactlastname',
    'nachname',
    'nom',
    'apellido',
    'apellidos',
    'cognome',
    'achternaam',
  ],
  fullName: ['name', 'fullname', 'clientname', 'membername', 'customername', 'contactname'],
  email: [
    'email',
    'emailaddress',
    'mail',
    'clientemail',
    'memberemail',
    'customeremail',
    'contactemail',
    'primaryemail',
    'emailadresse',
    'courriel',
    'correo',
    'correoelectronico',
  ],
  phone: [
    'mobile',
    'mobilephone',
    'mobilenumber',
    'cellphone',
    'cell',
    'phone',
    'phonenumber',
    'telephone',
    'tel',
    'handy',
    'mobil',
    'mobilnummer',
    'mobiltelefon',
    'handynummer',
    'telefon',
    'telefonnummer',
    'mobiel',
    'telefoon',
    'telefoonnummer',
    'movil',
    'celular',
    'cellulare',
    'telefono',
    'portable',
    'homephone',
    'workphone',
  ],
  birthday: [
    'birthday',
    'dateofbirth',
    'dob',
    'birthdate',
    'born',
    'geburtsdatum',
    'geburtstag',
    'datedenaissance',
    'fechadenacimiento',
  ],
  addressLine1: ['address', 'addressline1', 'address1', 'street', 'streetaddress', 'strasse'],
  addressLine2: ['addressline2', 'address2'],
  city: ['city', 'town', 'stadt', 'ort', 'ville', 'ciudad'],
  region: ['state', 'region', 'province', 'county', 'stateprovince'],
  postalCode: ['postalcode', 'postcode', 'zip', 'zipcode', 'plz', 'codepostal'],
  country: ['country', 'land', 'pays', 'pais'],
};

/** "E-Mail Address", "e_mail", "Prénom " → "emailaddress", "prenom": case, accents, spacing. */
export function foldHeader(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/e-?mail/g, 'email')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * A mapping as the CLI's `--map email=E-mail,firstName=First` or the API's `mapping` field says
 * it: that text, or a JSON object of the same. Unknown fields are refused, naming the known ones.
 */
export function parseColumnMapping(text: string, spec: ColumnSpec = CLIENT_COLUMNS): ColumnMapping {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let pairs: [string, unknown][];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw mappingError('is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw mappingError('must be a JSON object of field to header');
    }
    pairs = Object.entries(parsed);
  } else {
    pairs = trimmed.split(',').map((pair): [string, unknown] => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair.trim(), undefined] : [pair.slice(0, at).trim(), pair.slice(at + 1)];
    });
  }
  const mapping: ColumnMapping = {};
  const errors: FieldError[] = [];
  for (const [field, header] of pairs) {
    if (!spec.fields.includes(field)) {
      errors.push({
        field: `mapping.${field}`,
        message: `is not a ${spec.noun} field; the fields are ${spec.fields.join(', ')}`,
      });
    } else if (typeof header !== 'string' || header.trim() === '') {
      errors.push({ field: `mapping.${field}`, message: 'needs a header: field=Header' });
    } else {
      mapping[field] = header.trim();
    }
  }
  if (errors.length > 0) throw new InvalidInput('The column mapping is not valid.', errors);
  return mapping;
}

function mappingError(message: string): InvalidInput {
  return new InvalidInput(`The column mapping ${message}.`, [{ field: 'mapping', message }]);
}

/**
 * Which column holds each field: the mapping's headers first (each must be in the file), then,
 * for fields it leaves out, the headers studio products export. A file that lacks a column it
 * needs (a client file: an email and a name) imports nothing; the answer lists the file's
 * headers, so the studio can write the mapping.
 */
export function planColumns(
  headers: readonly string[],
  mapping: ColumnMapping = {},
  spec: ColumnSpec = CLIENT_COLUMNS,
): ColumnPlan {
  const folded = headers.map(foldHeader);
  const plan: ColumnPlan = {};
  const taken = new Set<number>();
  const errors: FieldError[] = [];
  for (const [field, header] of Object.entries(mapping) as [string, string][]) {
    let index = headers.findIndex((h) => h.trim() === header);
    if (index < 0) index = folded.indexOf(foldHeader(header));
    if (index < 0) {
      errors.push({ field: `mapping.${field}`, message: `no column is headed "${header}"` });
    } else {
      plan[field] = index;
      taken.add(index);
    }
  }
  for (const field of spec.fields) {
    if (field in mapping) continue;
    for (const name of spec.headerNames[field] ?? []) {
      const index = folded.findIndex((h, i) => h === name && !taken.has(i));
      if (index >= 0) {
        plan[field] = index;
        taken.add(index);
        break;
      }
    }
  }
  errors.push(...spec.missing(plan));
  if (errors.length > 0) {
    const listed = headers.map((h) => JSON.stringify(h)).join(', ');
    throw new InvalidInput(
      `The file's columns cannot be matched to the fields of ${spec.rows}; its headers are ${listed}. Say which column is which with a mapping such as ${spec.example}.`,
      errors,
    );
  }
  return plan;
}

/** The headers of an email column, as every kind of file names it. */
export const EMAIL_HEADERS: readonly string[] = CLIENT_HEADER_NAMES.email;

export const CLIENT_COLUMNS: ColumnSpec = {
  rows: 'clients',
  noun: 'client',
  fields: CLIENT_FIELDS,
  headerNames: CLIENT_HEADER_NAMES,
  missing(plan) {
    const errors: FieldError[] = [];
    const named = plan.fullName !== undefined;
    if (plan.email === undefined) errors.push({ field: 'email', message: 'no column for it' });
    for (const field of ['firstName', 'lastName'] as const) {
      if (plan[field] === undefined && !named) {
        errors.push({ field, message: 'no column for it (nor for a full name)' });
      }
    }
    return errors;
  },
  dateFields: ['birthday'],
  example: 'email=E-mail,firstName=First,lastName=Last',
};
