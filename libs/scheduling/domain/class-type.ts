import {
  EVENT_TYPE,
  InvalidInput,
  isCurrency,
  type Decider,
  type FieldError,
  type Money,
} from '@clientele/shared';
import { FORMATS, type Format } from './session.events';

/** What kind of class a session is: its format, and the event type whose credits pay for it. */
export const classTypeStream = (classTypeId: string) => `classType-${classTypeId}`;

export type ClassTypeEvent = {
  type: 'ClassTypeCreated';
  data: {
    classTypeId: string;
    studioId: string;
    name: string;
    format: Format;
    eventType: string;
    /** The price of one visit paid by card or held on a bill; null when only credits pay. */
    dropInPrice?: Money | null;
  };
};

export type ClassTypeCommand = { type: 'CreateClassType'; data: ClassTypeEvent['data'] };

export type ClassTypeState =
  { status: 'none' } | { status: 'created'; classType: ClassTypeEvent['data'] };

export const classTypeDecider: Decider<ClassTypeCommand, ClassTypeEvent, ClassTypeState> = {
  initialState: { status: 'none' },
  evolve: (_, event) => ({ status: 'created', classType: event.data }),
  decide(command, state) {
    const d = command.data;
    const errors: FieldError[] = [];
    if (d.name.trim().length === 0 || d.name.length > 100) {
      errors.push({ field: 'name', message: 'must be 1 to 100 characters' });
    }
    if (!(FORMATS as readonly string[]).includes(d.format)) {
      errors.push({ field: 'format', message: `must be one of ${FORMATS.join(', ')}` });
    }
    if (!EVENT_TYPE.test(d.eventType)) {
      errors.push({ field: 'eventType', message: 'must be lower-case letters, digits, _ and -' });
    }
    const price = d.dropInPrice;
    if (
      price &&
      (!Number.isSafeInteger(price.amount) || price.amount < 0 || !isCurrency(price.currency))
    ) {
      errors.push({
        field: 'dropInPrice',
        message: 'must be whole minor units and an ISO 4217 currency',
      });
    }
    if (errors.length > 0) throw new InvalidInput('The class type is not valid.', errors);
    if (state.status === 'created') return [];
    return [{ type: 'ClassTypeCreated', data: { ...d, name: d.name.trim() } }];
  },
};
