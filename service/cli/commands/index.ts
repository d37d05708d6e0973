/** Every CLI verb, registered in one place. Each module exports `register(program, config)`. */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { register as registerIndex } from './index-catalog.ts';
import { register as registerServe } from './serve.ts';
import { register as registerUp } from './up.ts';
import { register as registerEs } from './es.ts';
import { register as registerModels } from './models.ts';
import { register as registerTrain } from './train.ts';
import { register as registerEval } from './eval.ts';
import { register as registerSynth } from './synth.ts';
import { register as registerDataQuality } from './data-quality.ts';
import { register as registerAdapt } from './adapt.ts';

type Register = (program: Command, config: Config) => void;

const registrations: Register[] = [registerEs, registerIndex, registerServe, registerUp, registerModels, registerTrain, registerEval, registerSynth, registerAdapt, registerDataQuality];

export function registerCommands(program: Command, config: Config): void {
  for (const register of registrations) register(program, config);
}
