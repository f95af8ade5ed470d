import { InvalidInput } from '@clientele/shared';
import { DateOrderEvidence, readClientRow, readDate } from './client-row';
import { parseColumnMapping, planColumns } from './column-mapping';

describe('matching columns by their headers', () => {
  it('knows the headers studio products and spreadsheets export, in any case or accent', () => {
    expect(
      planColumns(['First Name', 'Last Name', 'E-Mail', 'Mobile Phone', 'Date of Birth']),
    ).toEqual({
      firstName: 0,
      lastName: 1,
      email: 2,
      phone: 3,
      birthday: 4,
    });
    expect(planColumns(['Prénom', 'Nom', 'Courriel', 'DOB'])).toMatchObject({
      firstName: 0,
      lastName: 1,
      email: 2,
      birthday: 3,
    });
    expect(planColumns(['Vorname', 'Nachname', 'E-Mail', 'Mobil', 'Geburtsdatum'])).toEqual({
      firstName: 0,
      lastName: 1,
      email: 2,
      phone: 3,
      birthday: 4,
    });
    expect(planColumns(['Nombre', 'Apellido', 'Correo', 'Móvil'])).toMatchObject({ phone: 3 });
    expect(planColumns(['Client Name', 'email_address', 'Home Phone', 'Mobile'])).toMatchObject({
      fullName: 0,
      email: 1,
      phone: 3,
    });
  });

  it('takes a mapping as text or JSON, and refuses unknown fields and headers not in the file', () => {
    expect(parseColumnMapping('email=E-mail,firstName=First')).toEqual({
      email: 'E-mail',
      firstName: 'First',
    });
    expect(parseColumnMapping('{"email":"Mail"}')).toEqual({ email: 'Mail' });
    expect(() => parseColumnMapping('shoe=Size')).toThrow(InvalidInput);
    expect(() => planColumns(['Mail', 'A', 'B'], { email: 'E-mail' })).toThrow(
      /its headers are "Mail", "A", "B"/,
    );
    expect(() => planColumns(['Foo', 'Bar'])).toThrow(/its headers are "Foo", "Bar"/);
  });
});

describe('reading a row as a client', () => {
  const plan = planColumns(['first name', 'last name', 'email', 'birthday', 'name']);
  const read = (cells: string[], dateOrder: 'auto' | 'dmy' | 'mdy' = 'auto') =>
    readClientRow(cells, plan, { dateOrder, thisYear: 2026 });

  it('keeps names in any script and reads the usual date formats', () => {
    expect(read(['Анна', '李', 'anna@example.com', '24.12.1990', ''])).toEqual({
      ok: true,
      client: {
        firstName: 'Анна',
        lastName: '李',
        email: 'anna@example.com',
        birthday: '1990-12-24',
      },
    });
    expect(readDate('1990-04-03T00:00:00Z', 'auto', 2026)).toEqual({ day: '1990-04-03' });
    expect(readDate('25/12/1990', 'auto', 2026)).toEqual({ day: '1990-12-25' });
    expect(readDate('12/25/1990', 'auto', 2026)).toEqual({ day: '1990-12-25' });
    expect(readDate('03/04/90', 'mdy', 2026)).toEqual({ day: '1990-03-04' });
    expect(readDate('03/04/1990', 'auto', 2026)).toMatchObject({
      problem: expect.stringContaining('day/month or month/day'),
    });
    expect(readDate('31/02/1990', 'dmy', 2026)).toMatchObject({
      problem: expect.stringContaining('not a real date'),
    });
  });

  it('says what to fix: a missing or invalid email, a missing name, a date it cannot read', () => {
    expect(read(['Ada', 'Lovelace', 'ada', '', ''])).toEqual({
      ok: false,
      reason: '"ada" is not an email address',
    });
    expect(read(['', '', 'x@example.com', 'May 1st', ''])).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /first name is missing; last name is missing; date of birth "May 1st"/,
      ),
    });
    expect(read(['Bad\uFFFDbytes', 'X', 'x@example.com', '', ''])).toMatchObject({ ok: false });
  });

  it('splits a full name when there are no first and last names', () => {
    expect(read(['', '', 'z@example.com', '', 'Müller, Zoë'])).toMatchObject({
      client: { firstName: 'Zoë', lastName: 'Müller' },
    });
    expect(read(['', '', 'z@example.com', '', 'Zoë van Dijk'])).toMatchObject({
      client: { firstName: 'Zoë', lastName: 'van Dijk' },
    });
  });

  it('learns a file’s date order from the dates that prove it', () => {
    const evidence = new DateOrderEvidence();
    evidence.see('03/04/1990');
    expect(evidence.order).toBe('auto');
    evidence.see('13/04/1990');
    expect(evidence.order).toBe('dmy');
    evidence.see('04/13/1990');
    expect(evidence.order).toBe('auto');
  });
});
