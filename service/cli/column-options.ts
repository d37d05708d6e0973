/**
 * `--map field=column` and `--unmapped error|ignore|attributes` for every verb that reads a catalog file (`index`,
 * `synth`, `data-quality`), so a file read with a map by one verb is read the same way by the others.
 */
import { Option } from 'commander';
import { parseColumnMap, type ColumnOptions, type Unmapped } from '../catalog/columns.ts';

export interface ColumnFlags {
  map: string[];
  unmapped: Unmapped;
}

/**
 * The two options, added with `.addOption(...)` where they read best in the command's help.
 *
 * @example program.command('index').addOption(mapOption()).addOption(unmappedOption())
 */
export function mapOption(): Option {
  return new Option('--map <field=column>', "read the catalog file's own columns as catalog fields, e.g. --map id=sku,title=product_name,attributes.colour=color (comma-separated or repeated)")
    .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .default([], 'none');
}

export function unmappedOption(): Option {
  return new Option('--unmapped <mode>', 'columns that are neither catalog fields nor mapped: refuse the row (error), drop them (ignore), or keep them as attributes (a list as one comma-separated value)')
    .choices(['error', 'ignore', 'attributes'])
    .default('error');
}

/** The reader's column options from the flags (a bad `--map` is a validation error naming the pair). */
export function columnsFrom(flags: ColumnFlags): ColumnOptions {
  return { map: parseColumnMap(flags.map), unmapped: flags.unmapped };
}
