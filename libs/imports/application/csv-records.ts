import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parse } from 'fast-csv';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = 0x0a;
/** Enough of the file to find the end of its header line. */
const HEAD_BYTES = 64 * 1024;
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter a header line uses: the one it holds most of outside quotes. Spreadsheets in
 * countries that write decimals with a comma save "CSV" with semicolons.
 */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const character of headerLine) {
    if (character === '"') quoted = !quoted;
    else if (!quoted && counts.has(character)) counts.set(character, counts.get(character)! + 1);
  }
  let best: string = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

/**
 * The records of a CSV file as it streams in, each an array of its cells, the header first:
 * UTF-8 with or without a BOM, LF or CRLF, fields quoted with commas, quotes and newlines in
 * them, `,` `;` or tab between them; blank lines are left out. Reading pauses while the caller
 * is busy (back-pressure), so memory stays flat whatever the file's size.
 */
export async function* csvRecords(source: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const chunks = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (!head.includes(NEWLINE) && head.length < HEAD_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, next.value]);
  }
  if (head.subarray(0, 3).equals(BOM)) head = head.subarray(3);
  const end = head.indexOf(NEWLINE);
  const delimiter = sniffDelimiter(head.subarray(0, end < 0 ? head.length : end).toString('utf8'));
  async function* bytes() {
    yield head;
    while (!ended) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const parser = parse<string[], string[]>({ delimiter, ignoreEmpty: true, headers: false });
  const feeding = pipeline(Readable.from(bytes()), parser);
  // The parser is the iterable; a failure feeding it (the upload broke) ends the loop below.
  feeding.catch(() => undefined);
  for await (const record of parser) yield record as string[];
  await feeding;
}
