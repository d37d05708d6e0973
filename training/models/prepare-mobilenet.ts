/**
 * Prepares the MobileNetV2 image feature model once (STRATA_IMAGE_MODEL with graph value 627 exposed as an
 * output, written to `<modelsDir>/mobilenetv2-12-int8-features/`); does nothing when it is already there.
 *
 *   npx tsx training/models/prepare-mobilenet.ts
 */
import { loadConfig } from '../../service/config.ts';
import { prepareMobileNet } from '../../service/models/prepare-mobilenet.ts';

const config = loadConfig();
const started = Date.now();
const result = await prepareMobileNet({ modelsDir: config.modelsDir, sourceModel: config.models.imageModel }, { log: (m) => console.log(m) });
console.log(result.skipped ? `already prepared: ${result.file}` : `prepared in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.file}`);
