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
