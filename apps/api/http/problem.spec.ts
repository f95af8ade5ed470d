import { RuleViolation } from '@clientele/shared';
import { toProblem } from './problem';

class PlaceTaken extends RuleViolation {
  constructor() {
    // A rule's own words may collide with RFC 9457's members: they must not replace them.
    super('place_taken', 'The place is taken.', { status: 'confirmed', type: 'x', code: 'y' });
  }
}

describe('toProblem', () => {
  it('keeps the RFC 9457 members whatever extensions a rule carries', () => {
    const { problem } = toProblem(new PlaceTaken());
    expect(problem).toMatchObject({
      status: 422,
      code: 'place_taken',
      type: expect.stringMatching(/place-taken$/),
      detail: 'The place is taken.',
    });
  });
});
