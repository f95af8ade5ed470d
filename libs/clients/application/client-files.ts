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
import { fold, type RequestContext } from '@clientele/shared';
import type { ClientProfile } from '../client-profile';
import { checkFile, type FileFacts } from '../domain/client-files';
import type { ClientFileCommand } from '../domain/client.commands';
import { clientDecider } from '../domain/client.decider';
import { clientStream, type ClientEvent } from '../domain/client.events';
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
    const replacesImage = request.kind === 'image' || request.kind === 'remove_image';
    const previous = replacesImage ? await this.currentImage(clientId) : null;
    const result = await handleCommand(
      this.store,
      clientStream(clientId),
      clientDecider,
      command,
      commandContext(context),
    );
    const gone = request.kind === 'remove_document' ? request.documentId : previous;
    if (gone && result.appended.length > 0 && gone !== stored?.fileId)
      await this.files.delete(gone);
    return {
      profile: toProfile(result.state, result.revision, context.now),
      file: stored,
    };
  }

  private async currentImage(clientId: string): Promise<string | null> {
    const history = await this.store.readStream(clientStream(clientId));
    const state = fold(clientDecider, history as unknown as ClientEvent[]);
    return state.status === 'registered' ? (state.image?.fileId ?? null) : null;
  }
}
