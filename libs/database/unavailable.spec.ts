import { Unavailable } from '@clientele/shared';
import { DatabaseUnavailable, isServerAway, unavailableIfAway } from './unavailable';

const pgError = (code: string, message = 'server said so') =>
  Object.assign(new Error(message), { code });

describe('a server that is away, told from a statement that failed', () => {
  it.each([
    [
      'refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['ended by the server', new Error('Connection terminated unexpectedly')],
    [
      'not queryable any more',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['no connection in time', new Error('timeout exceeded when trying to connect')],
    ['admin_shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['crash_shutdown', pgError('57P02')],
    ['cannot_connect_now', pgError('57P03', 'the database system is starting up')],
    ['too_many_connections', pgError('53300')],
    ['connection_failure', pgError('08006')],
    [
      'every address refused',
      new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')]),
    ],
  ])('%s is DatabaseUnavailable (503, Retry-After), its cause kept', (_, error) => {
    expect(isServerAway(error)).toBe(true);
    const translated = unavailableIfAway(error);
    expect(translated).toBeInstanceOf(DatabaseUnavailable);
    expect(translated).toBeInstanceOf(Unavailable);
    expect(translated).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 1, cause: error });
  });

  it.each([
    ['unique_violation', pgError('23505')],
    ['serialization_failure', pgError('40001')],
    ['syntax_error', pgError('42601')],
    ['a plain error', new Error('Unknown projection "x"')],
    ['not an error', 'down'],
  ])('%s is left as it is', (_, error) => {
    expect(isServerAway(error)).toBe(false);
    expect(unavailableIfAway(error)).toBe(error);
  });
});
