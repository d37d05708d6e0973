/** Loading head artifacts for evaluation: by name from a heads directory, or by path. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArtifact } from '../../service/heads/artifact.ts';
import { createPredictor, type HeadPredictor } from '../../service/heads/predict.ts';

/**
 * A predictor for `name` (`<headsDir>/<name>.json`) or for a `.json` path.
 *
 * @example const head = await loadHead('default-xgb', config.headsDir);
 */
export async function loadHead(nameOrFile: string, headsDir: string): Promise<{ name: string; predictor: HeadPredictor; file: string }> {
  const file = nameOrFile.endsWith('.json') ? nameOrFile : path.join(headsDir, `${nameOrFile}.json`);
  const artifact = parseArtifact(await readFile(file, 'utf8').catch(() => {
    throw new Error(`head "${nameOrFile}": no artifact at ${file}`);
  }), file);
  return { name: nameOrFile.endsWith('.json') ? path.basename(file, '.json') : nameOrFile, predictor: await createPredictor(artifact), file };
}
