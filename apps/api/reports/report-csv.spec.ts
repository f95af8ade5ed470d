import type { Readable } from 'node:stream';
import { delay, until } from '@clientele/shared/testing/until';
import { csvStream } from './report-csv';

async function read(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('a report as CSV', () => {
  it('writes the mark, the header and quoted rows, with CRLF', async () => {
    async function* rows() {
      yield ['Mary, "May"', 'Line\nBreak'];
    }
    expect(await read(csvStream(['first', 'last'], rows()))).toBe(
      '\uFEFFfirst,last\r\n"Mary, ""May""","Line\nBreak"\r\n',
    );
  });

  it('fails the stream when a page fails midway: never a file that looks whole', async () => {
    async function* rows() {
      yield ['one'];
      throw new Error('the database went away');
    }
    await expect(read(csvStream(['row'], rows()))).rejects.toThrow('the database went away');
  });

  it('reads no further page once the client has gone', async () => {
    let pagesRead = 0;
    let finished = false;
    async function* rows() {
      try {
        for (;;) {
          pagesRead++;
          yield Array.from({ length: 10 }, () => 'x'.repeat(10_000));
        }
      } finally {
        finished = true;
      }
    }
    const file = csvStream(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], rows());
    await new Promise((resolve) => file.once('data', resolve));
    file.destroy();
    // The generator is closed: it will never be asked for another page.
    await until(async () => finished);
    const read = pagesRead;
    await delay(20);
    expect(pagesRead).toBe(read);
  });
});
