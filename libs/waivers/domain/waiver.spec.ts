import { fold, InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import { oldestValidVersion, waiverDecider, type WaiverCommand, type WaiverEvent } from './waiver';

const spec = deciderSpec(waiverDecider);
const scope = { waiverId: 'w1', studioId: 'studio-1' };
const created: WaiverEvent = {
  type: 'WaiverCreated',
  data: { ...scope, version: 1, title: 'Liability waiver', body: 'I take part at my own risk.' },
};
const publish = (requiresResigning: boolean, title: string | null = null): WaiverCommand => ({
  type: 'PublishWaiverVersion',
  data: { ...scope, title, body: 'New terms.', requiresResigning },
});
const published = (version: number, requiresResigning: boolean): WaiverEvent => ({
  type: 'WaiverVersionPublished',
  data: { ...scope, version, title: 'Liability waiver', body: 'New terms.', requiresResigning },
});

describe('waiver templates', () => {
  it('creates version 1 with the title and body trimmed; created again, nothing new', () => {
    const create: WaiverCommand = {
      type: 'CreateWaiver',
      data: { ...scope, title: ' Liability waiver ', body: 'I take part at my own risk. ' },
    };
    spec.given([]).when(create).then([created]);
    spec.given([created]).when(create).then([]);
  });

  it('refuses an empty title or body, naming each', () => {
    spec
      .given([])
      .when({ type: 'CreateWaiver', data: { ...scope, title: ' ', body: '' } })
      .thenThrows(InvalidInput, (e) =>
        expect(e.errors.map((f) => f.field)).toEqual(['title', 'body']),
      );
  });

  it('publishes the next version, keeping the title unless a new one is given', () => {
    spec
      .given([created])
      .when(publish(true))
      .then([published(2, true)]);
    spec
      .given([created, published(2, true)])
      .when(publish(false, 'Waiver 2027'))
      .then([
        {
          type: 'WaiverVersionPublished',
          data: {
            ...scope,
            version: 3,
            title: 'Waiver 2027',
            body: 'New terms.',
            requiresResigning: false,
          },
        },
      ]);
    spec.given([]).when(publish(true)).thenThrows(NotFound);
    spec
      .given([created])
      .when({
        ...publish(true),
        data: { ...publish(true).data, studioId: 'other' },
      } as WaiverCommand)
      .thenThrows(NotFound);
  });

  it('counts a signature from the last version that needed signing again', () => {
    const state = (events: WaiverEvent[]) => {
      const s = fold(waiverDecider, events);
      if (s.status !== 'created') throw new Error('not created');
      return oldestValidVersion(s);
    };
    expect(state([created])).toBe(1);
    expect(state([created, published(2, false)])).toBe(1);
    expect(state([created, published(2, true), published(3, false)])).toBe(2);
  });
});
