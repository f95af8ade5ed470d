import { DatabaseUnavailable } from '@clientele/database';
import { failureText } from './process';

describe('failureText', () => {
  it('names the cause behind a DatabaseUnavailable, which its message leaves out', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(failureText(new DatabaseUnavailable(refused))).toMatch(
      /^The database cannot be reached just now\..* \(connect ECONNREFUSED 10\.0\.0\.5:5432\)$/,
    );
  });

  it('is the message alone for an error without a cause, and the value for anything else', () => {
    expect(failureText(new Error('PORT is not a port: x'))).toBe('PORT is not a port: x');
    expect(failureText('down')).toBe('down');
  });
});
