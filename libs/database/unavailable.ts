import { Unavailable } from '@clientele/shared';

/**
 * The database server cannot be reached, or is going down or coming up: the statement may or
 * may not have taken effect (a COMMIT cut short), and the same request sent again later will
 * work. The API answers 503 with Retry-After; a command sent again with its Idempotency-Key
 * finds its own earlier effect (ADR 0005).
 */
export class DatabaseUnavailable extends Unavailable {
  constructor(override readonly cause: unknown) {
    // What failed is for the logs (`cause`), not for the API's consumers.
    super(
      'The database cannot be reached just now. Retry shortly: a change sent again with the same Idempotency-Key is made once.',
      1,
    );
  }
}

/*
 * SQLSTATEs of a server that is away rather than of a statement that is wrong: class 08
 * (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up, shutting down, recovering) and 53300 too_many_connections.
 */
const SERVER_AWAY = /^(08...|57P0[123]|53300)$/;

// The socket's errors, and pg's own when a connection ends or cannot be had in time.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const PG_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
];

/** Whether an error from `pg` means the server is away (not that the statement failed). */
export function isServerAway(error: unknown): boolean {
  // Not `instanceof Error`: the socket's errors are made by Node itself, in another realm
  // than code run in a VM context (as Jest runs it).
  if (typeof error !== 'object' || error === null || error instanceof Unavailable) return false;
  const { code, message, errors } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (SERVER_AWAY.test(code) || SOCKET_CODES.has(code))) return true;
  // Connecting to a name with several addresses fails with one error per address.
  if (Array.isArray(errors)) return errors.some(isServerAway);
  return typeof message === 'string' && PG_MESSAGES.some((text) => message.startsWith(text));
}

/** `DatabaseUnavailable` for an error that says the server is away; any other error as it is. */
export function unavailableIfAway(error: unknown): unknown {
  return isServerAway(error) ? new DatabaseUnavailable(error) : error;
}
