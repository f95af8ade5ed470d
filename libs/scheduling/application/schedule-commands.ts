import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { readStudioSettings } from '@clientele/staff';
import { readWaiver } from '@clientele/waivers';
import { assertSameCurrency, zero, type Money, type RequestContext } from '@clientele/shared';
import { classTypeDecider, classTypeStream, type ClassTypeEvent } from '../domain/class-type';
import { sessionDecider } from '../domain/session.decider';
import { sessionStream, type Format } from '../domain/session.events';
import { readClassType } from './read-session';

export interface ClassTypeInput {
  name: string;
  format: Format;
  eventType: string;
  dropInPrice?: Money | null;
}

export class CreateClassType extends Command<ClassTypeEvent['data']> {
  constructor(
    readonly input: ClassTypeInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(CreateClassType)
export class CreateClassTypeHandler implements ICommandHandler<CreateClassType> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, context }: CreateClassType) {
    const classTypeId = idForRequest('class-type', context);
    if (input.dropInPrice) {
      const { currency } = await readStudioSettings(this.store, context.studioId);
      assertSameCurrency(zero(currency), input.dropInPrice);
    }
    const result = await handleCommand(
      this.store,
      classTypeStream(classTypeId),
      classTypeDecider,
      {
        type: 'CreateClassType',
        data: {
          ...input,
          dropInPrice: input.dropInPrice ?? null,
          classTypeId,
          studioId: context.studioId,
        },
      },
      commandContext(context, { expectNew: true }),
    );
    if (result.state.status !== 'created') throw new Error('A created class type has a state.');
    return result.state.classType;
  }
}

export interface SessionInput {
  classTypeId: string;
  startsAt: string;
  durationMinutes: number;
  capacity: number;
  title?: string;
  instructorId?: string | null;
  place?: string | null;
  link?: string | null;
  waiverId?: string | null;
  /** The class type's when left out. */
  dropInPrice?: Money | null;
}

export class ScheduleSession extends Command<{ sessionId: string; version: number }> {
  constructor(
    readonly input: SessionInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** A session of a class type: its format and event type come from the class type. */
@CommandHandler(ScheduleSession)
export class ScheduleSessionHandler implements ICommandHandler<ScheduleSession> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, context }: ScheduleSession) {
    const classType = await readClassType(this.store, context.studioId, input.classTypeId);
    if (input.dropInPrice) {
      const { currency } = await readStudioSettings(this.store, context.studioId);
      assertSameCurrency(zero(currency), input.dropInPrice);
    }
    if (input.waiverId) await readWaiver(this.store, context.studioId, input.waiverId);
    const sessionId = idForRequest('session', context);
    const result = await handleCommand(
      this.store,
      sessionStream(sessionId),
      sessionDecider,
      {
        type: 'ScheduleSession',
        data: {
          sessionId,
          studioId: context.studioId,
          classTypeId: input.classTypeId,
          title: input.title ?? classType.name,
          format: classType.format,
          eventType: classType.eventType,
          startsAt: input.startsAt,
          durationMinutes: input.durationMinutes,
          capacity: input.capacity,
          instructorId: input.instructorId ?? null,
          place: input.place ?? null,
          link: input.link ?? null,
          waiverId: input.waiverId ?? null,
          dropInPrice: input.dropInPrice ?? classType.dropInPrice ?? null,
        },
      },
      commandContext(context, { expectNew: true }),
    );
    return { sessionId, version: result.revision };
  }
}
