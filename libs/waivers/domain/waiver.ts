import {
  assertNever,
  InvalidInput,
  NotFound,
  type Decider,
  type FieldError,
} from '@clientele/shared';

/**
 * A waiver the studio asks clients to sign, in versions (`waiver-<id>`). A new version either
 * needs signing again (the terms changed) or not (a typo fixed): a signature counts when its
 * version is at least the last one that needed signing again.
 */
export interface WaiverVersion {
  version: number;
  title: string;
  body: string;
  requiresResigning: boolean;
}

export type WaiverEvent =
  | {
      type: 'WaiverCreated';
      data: { waiverId: string; studioId: string; version: 1; title: string; body: string };
    }
  | {
      type: 'WaiverVersionPublished';
      data: WaiverVersion & { waiverId: string; studioId: string };
    };

export type WaiverCommand =
  | {
      type: 'CreateWaiver';
      data: { waiverId: string; studioId: string; title: string; body: string };
    }
  | {
      type: 'PublishWaiverVersion';
      data: {
        waiverId: string;
        studioId: string;
        title: string | null;
        body: string;
        requiresResigning: boolean;
      };
    };

export type WaiverState =
  | { status: 'none' }
  | { status: 'created'; waiverId: string; studioId: string; versions: WaiverVersion[] };

export const waiverStream = (waiverId: string) => `waiver-${waiverId}`;

const TITLE_MAX = 200;
const BODY_MAX = 100_000;

function checkText(title: string | null, body: string): { title: string | null; body: string } {
  const errors: FieldError[] = [];
  const t = title?.trim() ?? null;
  if (t !== null && (t.length === 0 || t.length > TITLE_MAX)) {
    errors.push({ field: 'title', message: `must be 1–${TITLE_MAX} characters` });
  }
  const b = body.trim();
  if (b.length === 0 || b.length > BODY_MAX) {
    errors.push({ field: 'body', message: `must be 1–${BODY_MAX} characters` });
  }
  if (errors.length > 0) throw new InvalidInput('The waiver is not valid.', errors);
  return { title: t, body: b };
}

/** The version a client signs today. */
export function currentVersion(state: WaiverState & { status: 'created' }): WaiverVersion {
  return state.versions[state.versions.length - 1]!;
}

/** The oldest version whose signature still counts. */
export function oldestValidVersion(state: WaiverState & { status: 'created' }): number {
  let oldest = 1;
  for (const v of state.versions) if (v.requiresResigning) oldest = v.version;
  return oldest;
}

export const waiverDecider: Decider<WaiverCommand, WaiverEvent, WaiverState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'WaiverCreated': {
        const { waiverId, studioId, title, body } = event.data;
        return {
          status: 'created',
          waiverId,
          studioId,
          versions: [{ version: 1, title, body, requiresResigning: false }],
        };
      }
      case 'WaiverVersionPublished': {
        if (state.status !== 'created') return state;
        const { version, title, body, requiresResigning } = event.data;
        return {
          ...state,
          versions: [...state.versions, { version, title, body, requiresResigning }],
        };
      }
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateWaiver': {
        if (state.status === 'created') return [];
        const { waiverId, studioId } = command.data;
        const { title, body } = checkText(command.data.title, command.data.body);
        return [
          {
            type: 'WaiverCreated',
            data: { waiverId, studioId, version: 1, title: title ?? '', body },
          },
        ];
      }
      case 'PublishWaiverVersion': {
        const { waiverId, studioId } = command.data;
        if (state.status !== 'created' || state.studioId !== studioId) {
          throw new NotFound('waiver', waiverId);
        }
        const { title, body } = checkText(command.data.title, command.data.body);
        const current = currentVersion(state);
        return [
          {
            type: 'WaiverVersionPublished',
            data: {
              waiverId,
              studioId,
              version: current.version + 1,
              title: title ?? current.title,
              body,
              requiresResigning: command.data.requiresResigning,
            },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },
};
