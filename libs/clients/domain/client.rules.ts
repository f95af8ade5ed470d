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

/** A command about a client merged into another: the survivor answers for it now. */
export class ClientWasMerged extends RuleViolation {
  constructor(clientId: string, survivorId: string) {
    super(
      'client_merged',
      `Client ${clientId} was merged into client ${survivorId}: address the survivor, or unmerge first.`,
      { clientId, survivorId },
    );
  }
}

export class CannotMergeIntoItself extends RuleViolation {
  constructor(clientId: string) {
    super('merge_into_itself', `A client cannot be merged into itself (${clientId}).`, {
      clientId,
    });
  }
}

/** Unknown, or another studio's: the same answer, so no other studio's client is revealed. */
export class DuplicateNotInStudio extends RuleViolation {
  constructor(duplicateId: string) {
    super('duplicate_not_found', `No client of this studio has the id ${duplicateId}.`, {
      duplicateId,
    });
  }
}

export class CannotMergeIntoMergedClient extends RuleViolation {
  constructor(survivorId: string, mergedInto: string) {
    super(
      'survivor_merged',
      `Client ${survivorId} was itself merged into client ${mergedInto}: merge into that one.`,
      { survivorId, mergedInto },
    );
  }
}

export class DuplicateAlreadyMerged extends RuleViolation {
  constructor(duplicateId: string, survivorId: string) {
    super('already_merged', `Client ${duplicateId} is already merged into client ${survivorId}.`, {
      duplicateId,
      survivorId,
    });
  }
}

/** Chains of merges would make an unmerge ambiguous: the duplicate's own are undone first. */
export class DuplicateHasDuplicates extends RuleViolation {
  constructor(duplicateId: string, duplicates: string[]) {
    super(
      'has_duplicates',
      `Client ${duplicateId} has clients merged into it (${duplicates.join(', ')}): unmerge them first.`,
      { duplicateId, duplicates },
    );
  }
}

export class ClientNotMerged extends RuleViolation {
  constructor(duplicateId: string, survivorId: string) {
    super('not_merged', `Client ${duplicateId} is not merged into client ${survivorId}.`, {
      duplicateId,
      survivorId,
    });
  }
}
