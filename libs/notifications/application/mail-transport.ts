import { createTransport, type Transporter } from 'nodemailer';

export interface Mail {
  /** `<notification id@sender's domain>`: the same notification always has the same one. */
  messageId: string;
  from: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
}

/** Where mail goes: an SMTP server, or the log when none is set. */
export interface MailTransport {
  readonly name: 'smtp' | 'log';
  /** Resolves once the message is handed over (the SMTP server said 250 to it). */
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * Every try must end well inside the dispatcher's claim on the message (5 minutes), or another
 * dispatcher could take it while this one still talks; `SMTP_URL` may set others.
 */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/** nodemailer over `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…`, `?pool=true`…). */
export function smtpTransport(url: string): MailTransport {
  const transporter: Transporter = createTransport({ ...TIMEOUTS, url });
  return {
    name: 'smtp',
    async send(mail) {
      await transporter.sendMail(mail);
    },
    close: () => transporter.close(),
  };
}

/**
 * No SMTP server set: each message is written to the log (stderr, as a warning: nobody got it)
 * as it would have been sent, and counts as sent.
 */
export function logTransport(log: (line: string) => void = console.warn): MailTransport {
  return {
    name: 'log',
    async send(mail) {
      log(
        [
          `mail ${mail.messageId} (not sent: SMTP_URL is not set)`,
          `From: ${mail.from}`,
          `To: "${mail.to.name}" <${mail.to.address}>`,
          `Subject: ${mail.subject}`,
          '',
          mail.text,
        ].join('\n'),
      );
    },
    close: () => undefined,
  };
}
