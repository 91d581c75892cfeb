import type { Command } from 'commander';
import { createApiKey, createKeyInputSchema, listApiKeys, revokeApiKey } from '../../app/api-keys.js';
import { parseInput } from '../../app/parse-input.js';
import type { ApiKeyRecord } from '../../stores/key-store.js';
import { printJson, withApp, type CliIo } from '../cli-context.js';

export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Create, list and revoke API keys of the HTTP API');
  keys
    .command('create')
    .option('--name <name>', 'a label to tell the key apart')
    .option('--scope <scope>', 'read | write | admin (each includes the ones before it)', 'read')
    .description('Create an API key; the key is printed once, alone on the last line')
    .action(async (options: { name?: string; scope: string }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(createKeyInputSchema, { ...(options.name !== undefined ? { name: options.name } : {}), scope: options.scope });
        const { record, key } = await createApiKey(app, input);
        if (flags.json) return printJson(io, { ...record, key });
        io.stdout.write(`Created ${formatKey(record)}The key is shown only now; store it:\n${key}\n`);
      }),
    );
  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .action(async (_options: unknown, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const records = await listApiKeys(app);
        if (flags.json) return printJson(io, { keys: records });
        if (records.length === 0) return void io.stdout.write('No API keys yet. Create one with `cairn keys create --scope admin`.\n');
        for (const record of records) io.stdout.write(formatKey(record));
      }),
    );
  keys
    .command('revoke')
    .argument('<id>')
    .description('Revoke an API key; requests with it are refused from then on')
    .action(async (id: string, _options: unknown, command: Command) =>
      withApp(command, io, async (app, flags) => {
        await revokeApiKey(app, id);
        if (flags.json) printJson(io, { revoked: id });
        else io.stdout.write(`Revoked API key ${id}.\n`);
      }),
    );
}

function formatKey(k: ApiKeyRecord): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.lastUsedAt ? `last used ${k.lastUsedAt}` : 'never used';
  return `${k.id}  ${k.prefix}…  ${k.scopes.join(',')}  "${k.name}"  created ${k.createdAt}  ${state}\n`;
}
