import { InvalidInput, type FieldError } from '@clientele/shared';
import { CreateStudio, CreateStudioHandler } from '@clientele/staff';
import type { ClienteleConfig } from './config';
import { runningServer } from './embedded';
import { openRuntime, type Runtime } from './runtime';

/**
 * What the CLI does, as named actions over a runtime. The CLI runs an action itself, or — when
 * an API owns the embedded database — asks that API to run it (POST /internal/admin/{action}),
 * so each action has one implementation whichever way it travels.
 */
export const adminActions = {
  async 'studio.create'(runtime: Runtime, args: Record<string, unknown>) {
    const text = (name: string, required = true) => {
      const value = args[name];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string') {
        throw new InvalidInput(`--${name} is required.`, [{ field: name, message: 'is required' }]);
      }
      return value;
    };
    const ownerName = text('ownerName', false);
    const input = {
      name: text('name')!,
      currency: text('currency')!,
      timezone: text('timezone')!,
      ownerEmail: text('ownerEmail')!,
      ...(ownerName ? { ownerName } : {}),
    };
    return new CreateStudioHandler(runtime.store).execute(new CreateStudio(input, new Date()));
  },
} satisfies Record<string, (runtime: Runtime, args: Record<string, unknown>) => Promise<unknown>>;

export type AdminAction = keyof typeof adminActions;

export function isAdminAction(name: string): name is AdminAction {
  return Object.hasOwn(adminActions, name);
}

/** An action that the API ran and refused: its problem document, readable in a terminal. */
export class RemoteActionFailed extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

export async function runAdminAction(
  config: ClienteleConfig,
  action: AdminAction,
  args: Record<string, unknown>,
): Promise<Awaited<ReturnType<(typeof adminActions)[AdminAction]>>> {
  const server = config.databaseUrl ? null : runningServer(config.dataDir);
  if (server) {
    const response = await fetch(`${server.url}/internal/admin/${action}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-clientele-admin-secret': server.adminSecret,
      },
      body: JSON.stringify(args),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new RemoteActionFailed(
        String(body.detail ?? response.statusText),
        (body.errors as FieldError[]) ?? [],
      );
    }
    return body as never;
  }
  const runtime = await openRuntime(config, 'client');
  try {
    return await adminActions[action](runtime, args);
  } finally {
    await runtime.close();
  }
}
