import { claimDecider, ValueAlreadyClaimed, type ClaimEvent } from './unique-claim';
import { deciderSpec } from './testing/decider-spec';

const spec = deciderSpec(claimDecider);
const scope = 'client-email';
const claimed = (holderId: string): ClaimEvent => ({
  type: 'ValueClaimed',
  data: { scope, holderId },
});

describe('a unique value claim', () => {
  it('is granted when nobody holds the value', () => {
    spec
      .given([])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'a' } })
      .then([claimed('a')]);
  });

  it('is refused while another holder has it, naming the holder', () => {
    spec
      .given([claimed('a')])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'b' } })
      .thenThrows(ValueAlreadyClaimed, (error) => expect(error.holderId).toBe('a'));
  });

  it('records the holder claiming again, so a release decided before it cannot free the value', () => {
    spec
      .given([claimed('a')])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'a' } })
      .then([claimed('a')]);
  });

  it('is taken over from a holder found to have abandoned it', () => {
    spec
      .given([claimed('a')])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'b', takeOverFrom: 'a' } })
      .then([claimed('b')]);
  });

  it('is not taken over from someone other than the holder named', () => {
    spec
      .given([claimed('a')])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'b', takeOverFrom: 'c' } })
      .thenThrows(ValueAlreadyClaimed);
  });

  it('is free again once released by its holder, and only by its holder', () => {
    spec
      .given([claimed('a')])
      .when({ type: 'ReleaseValue', data: { scope, holderId: 'b' } })
      .then([]);
    spec
      .given([claimed('a'), { type: 'ValueReleased', data: { scope, holderId: 'a' } }])
      .when({ type: 'ClaimValue', data: { scope, holderId: 'b' } })
      .then([claimed('b')]);
  });
});
