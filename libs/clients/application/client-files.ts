import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { FILE_STORE, sha256Of, type FileStore } from '@clientele/files';
import type { RequestContext } from '@clientele/shared';
import type { ClientProfile } from '../client-profile';
import { checkFile, type FileFacts } from '../domain/client-files';
import type { ClientFileCommand } from '../domain/client.commands';
import { clientDecider } from '../domain/client.decider';
import { clientStream } from '../domain/client.events';
import { assertClientOfStudio } from './client-lookup';
import { toProfile } from './client-commands';

export type FileRequest =
  | { kind: 'image'; mediaType: string; bytes: Buffer }
  | { kind: 'remove_image' }
  | { kind: 'document'; name: string; mediaType: string; bytes: Buffer }
  | { kind: 'remove_document'; documentId: string };

export class ChangeClientFiles extends Command<{ profile: ClientProfile; file: FileFacts | null }> {
  constructor(
    readonly clientId: string,
    readonly request: FileRequest,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * A file is checked, its bytes stored under an id derived from the request, then the fact is
 * recorded on the client's stream: a crash between the two leaves bytes no event names (and a
 * retry stores nothing new), never an event without its bytes. A removed file's bytes go.
 */
@CommandHandler(ChangeClientFiles)
export class ChangeClientFilesHandler implements ICommandHandler<ChangeClientFiles> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(FILE_STORE) private readonly files: FileStore,
  ) {}

  async execute({ clientId, request, context }: ChangeClientFiles) {
    const { studioId } = context;
    await assertClientOfStudio(this.store, studioId, clientId);
    const scope = { clientId, studioId };
    let command: ClientFileCommand;
    let stored: FileFacts | null = null;
    if (request.kind === 'image' || request.kind === 'document') {
      checkFile(request.kind, request.mediaType, request.bytes);
      stored = {
        fileId: idForRequest(`file:${clientId}`, context),
        mediaType: request.mediaType,
        size: request.bytes.length,
        sha256: sha256Of(request.bytes),
      };
      await this.files.put({ ...stored, studioId, clientId, bytes: request.bytes });
    }
    if (request.kind === 'image' || request.kind === 'remove_image') {
      command = { type: 'SetProfileImage', data: { ...scope, image: stored } };
    } else if (request.kind === 'document') {
      command = {
        type: 'AttachDocument',
        data: { ...scope, document: stored!, name: request.name },
      };
    } else {
      command = { type: 'RemoveDocument', data: { ...scope, documentId: request.documentId } };
    }
    const result = await handleCommand(
      this.store,
      clientStream(clientId),
      clientDecider,
      command,
      commandContext(context),
    );
    // The file the decision let go of: the image replaced, as decided on the state it saw.
    for (const event of result.appended) {
      if (event.type === 'ProfileImageChanged' && event.data.replaced) {
        await this.files.delete(event.data.replaced);
      }
      if (event.type === 'DocumentRemoved') await this.files.delete(event.data.documentId);
    }
    return {
      profile: toProfile(result.state, result.revision, context.now),
      file: stored,
    };
  }
}
