import { Readable } from 'node:stream';
import { csvRecords, sniffDelimiter } from './csv-records';

async function records(text: string | Buffer, chunkSize = 7): Promise<string[][]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const rows: string[][] = [];
  for await (const record of csvRecords(Readable.from(chunks))) rows.push(record);
  return rows;
}

describe('reading real CSV files', () => {
  it('a BOM, CRLF, quoted commas, quotes and newlines, blank lines, any script', async () => {
    const file =
      '\uFEFFname,email\r\n"Müller, Zoë",zoe@example.com\r\n\r\n"Say ""hi""\r\nthere",a@b.co\r\n李 小龙,li@example.com\r\nАнна,anna@example.com';
    expect(await records(file)).toEqual([
      ['name', 'email'],
      ['Müller, Zoë', 'zoe@example.com'],
      ['Say "hi"\r\nthere', 'a@b.co'],
      ['李 小龙', 'li@example.com'],
      ['Анна', 'anna@example.com'],
    ]);
  });

  it('semicolons and tabs, found from the header line', async () => {
    expect(await records('Vorname;Nachname;E-Mail\nJörg;Groß;"j;g@example.com"\n')).toEqual([
      ['Vorname', 'Nachname', 'E-Mail'],
      ['Jörg', 'Groß', 'j;g@example.com'],
    ]);
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('"a,b";c;d')).toBe(';');
  });

  it('a file without a BOM or a final newline, and an empty one', async () => {
    expect(await records('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(await records('')).toEqual([]);
  });
});
