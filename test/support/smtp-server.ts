import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients: where the server was told to deliver it. */
  to: string[];
  from: string;
  raw: string;
  /** A header of the message, unfolded and decoded; undefined when absent. */
  header(name: string): string | undefined;
  /** The body, its transfer encoding undone. */
  text: string;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL would say. */
  url: string;
  /** Messages the server accepted, in order. */
  received: ReceivedMail[];
  /** Messages offered to it, refused ones included. */
  offered(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback, for the tests that send mail. It refuses the messages offered
 * first with the replies in `refuse` (e.g. `[451, 554]`), then accepts every one.
 */
export async function startTestSmtpServer(
  options: { refuse?: number[] } = {},
): Promise<TestSmtpServer> {
  const refusals = [...(options.refuse ?? [])];
  const received: ReceivedMail[] = [];
  let offered = 0;
  const server = new SMTPServer({
    authOptional: true,
    // No TLS on loopback: its built-in certificate is self-signed, which nodemailer refuses.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        offered++;
        const refusal = refusals.shift();
        if (refusal !== undefined) {
          const error = Object.assign(
            new Error(
              `Not now for ${session.envelope.rcptTo.map((rcpt) => rcpt.address).join(', ')}`,
            ),
            { responseCode: refusal },
          );
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) => headerOf(raw, name);
        received.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          raw,
          header,
          text: bodyOf(raw, header('content-transfer-encoding')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    offered: () => offered,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  // RFC 2047 encoded words (=?UTF-8?Q?…?=), as nodemailer writes a subject with quotes in it.
  return line
    ?.slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : quotedPrintable(text.replace(/_/g, ' ')),
    );
}

/** The body with plain `\n` line ends, as it was written. */
function bodyOf(raw: string, encoding: string | undefined): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/)).trim();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? quotedPrintable(body.replace(/=\r?\n/g, ''))
        : body;
  return decoded.replace(/\r\n/g, '\n');
}

function quotedPrintable(text: string): string {
  return Buffer.from(
    text.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}
