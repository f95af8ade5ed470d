import { RuleViolation } from '@clientele/shared';

export class ClientMustNotBeRegisteredTwice extends RuleViolation {
  constructor(clientId: string) {
    super('client_already_registered', `Client ${clientId} is already registered.`, { clientId });
  }
}

export class EmailMustBeUniqueInStudio extends RuleViolation {
  constructor(existingClientId: string) {
    super(
      'email_already_registered',
      `Another client of this studio already has this email: ${existingClientId}.`,
      { existingClientId },
    );
  }
}

export class ClientMustNotBeErasedTwice extends RuleViolation {
  constructor(clientId: string, erasedAt: string) {
    super(
      'client_already_erased',
      `Client ${clientId} was erased at ${erasedAt}; its erasure report is at /v1/clients/${clientId}/erasure.`,
      { clientId, erasedAt },
    );
  }
}

/** Nothing about an erased client may be recorded on their profile any more. */
export class ErasedClientMustStayErased extends RuleViolation {
  constructor(clientId: string) {
    super('client_erased', `Client ${clientId} was erased: their profile cannot be changed.`, {
      clientId,
    });
  }
}
