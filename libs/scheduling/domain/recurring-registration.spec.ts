import { InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import {
  recurringDecider,
  RecurringRegistrationEnded,
  type RecurringCommand,
  type RecurringEvent,
  type RecurringTerms,
} from './recurring-registration';

const spec = deciderSpec(recurringDecider);
const terms: RecurringTerms = {
  registrationId: 'r1',
  studioId: 'studio-1',
  clientId: 'client-1',
  classTypeId: 'flow',
  weekday: 1,
  time: '09:00',
  until: '2027-02-01',
  payWith: 'credit',
  channel: 'online',
};
const create = (over: Partial<RecurringTerms> = {}): RecurringCommand => ({
  type: 'CreateRecurringRegistration',
  data: { ...terms, ...over, today: '2026-11-23' },
});
const created: RecurringEvent = { type: 'RecurringRegistrationCreated', data: terms };
const booked: RecurringEvent = {
  type: 'RecurringSessionBooked',
  data: {
    registrationId: 'r1',
    sessionId: 's1',
    startsAt: '2026-11-30T14:00:00Z',
    enrollmentId: 'e1',
    status: 'confirmed',
  },
};
const failure = (sessionId: string): RecurringCommand => ({
  type: 'RecordRecurringOutcome',
  data: {
    registrationId: 'r1',
    sessionId,
    startsAt: '2026-12-07T14:00:00Z',
    code: 'no_credit_available',
    message: 'none left',
    failed: true,
  },
});

describe('a recurring registration', () => {
  it('is created once, on a weekday and time, until a day not past and within a year', () => {
    spec.given([]).when(create()).then([created]);
    spec.given([created]).when(create()).then([]);
    for (const bad of [
      { weekday: 0 },
      { time: '24:00' },
      { until: '2026-11-22' },
      { until: '2028-01-01' },
    ]) {
      spec.given([]).when(create(bad)).thenThrows(InvalidInput);
    }
  });

  it('tries each session once: a failure is recorded with its reason, not tried again', () => {
    spec
      .given([created])
      .when(failure('s2'))
      .then([
        {
          type: 'RecurringSessionFailed',
          data: {
            registrationId: 'r1',
            sessionId: 's2',
            startsAt: '2026-12-07T14:00:00Z',
            code: 'no_credit_available',
            message: 'none left',
          },
        },
      ]);
    spec.given([created, booked]).when(failure('s1')).then([]);
    spec.given([]).when(failure('s2')).thenThrows(NotFound);
  });

  it('books nothing more once ended', () => {
    const ended: RecurringEvent = {
      type: 'RecurringRegistrationEnded',
      data: { registrationId: 'r1', reason: 'moving' },
    };
    spec.given([created, ended]).when(failure('s3')).thenThrows(RecurringRegistrationEnded);
    spec
      .given([created, ended])
      .when({ type: 'EndRecurringRegistration', data: { registrationId: 'r1', reason: 'again' } })
      .then([]);
  });
});
