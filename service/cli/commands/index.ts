/** Every CLI verb, registered in one place. Each module exports `register(program, config)`. */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';

type Register = (program: Command, config: Config) => void;

const registrations: Register[] = [];

export function registerCommands(program: Command, config: Config): void {
  for (const register of registrations) register(program, config);
}
