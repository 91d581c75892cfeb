import type { Command } from 'commander';
import { listLocalModels, pullModel } from '../../models/model-files/model-files.js';
import { modelContext } from '../../app/cairn-app.js';
import { configFromFlags, printJson, type CliIo, type GlobalFlags } from '../cli-context.js';
import { renderDownloadProgress } from '../progress-bar.js';
import type { CairnConfig } from '../../config/config-schema.js';

export function registerModelsCommand(program: Command, io: CliIo): void {
  const models = program.command('models').description('List local models and download models ahead of time');
  models
    .command('list')
    .description('Show the models found in CAIRN_MODELS_DIR and in the download cache')
    .action(async (_options, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const found = await listLocalModels(modelFilesContext(configFromFlags(flags, io), io));
      if (flags.json) return printJson(io, { models: found });
      if (found.length === 0) return void io.stdout.write('No local models. Fetch one with `cairn models pull <id>` or set CAIRN_MODELS_DIR.\n');
      for (const m of found) {
        // A folder with only tokenizer files cannot embed (the default model's tokenizer is often shipped alone).
        const weights = m.files.some((file) => /\.(onnx|safetensors)$/.test(file)) ? '' : ', no weights: tokenizer only';
        io.stdout.write(`${m.id}  (${m.where}, ${(m.bytes / 1048576).toFixed(1)} MB${weights})  ${m.path}\n`);
      }
    });
  models
    .command('pull')
    .argument('<id>', 'Hugging Face model id, e.g. Xenova/all-MiniLM-L6-v2')
    .description('Download a model into the cache under CAIRN_HOME (honours HF_ENDPOINT)')
    .action(async (id: string, _options, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const path = await pullModel(id.replace(/^(onnx|static):/, ''), modelFilesContext(configFromFlags(flags, io), io));
      if (flags.json) return printJson(io, { id, path });
      io.stdout.write(`${id} is ready at ${path}\n`);
    });
}

function modelFilesContext(config: CairnConfig, io: CliIo) {
  return { ...modelContext(config), onDownloadProgress: (event: Parameters<typeof renderDownloadProgress>[1]) => renderDownloadProgress(io.stderr, event) };
}
