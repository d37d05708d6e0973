/**
 * Synthetic "embeddings" for classify-head tests: each class has a random direction in a text/static block
 * (256 dims) and a text/chargram block (384 dims); rows are the class direction plus noise, each block unit
 * length. Out-of-scope rows come from classes the head never sees.
 */
import { createRng } from '../../training/eval/stats.ts';
import type { Embedded } from '../../training/classify/embed.ts';

export const ENCODERS = ['text/static', 'text/chargram'];
const DIMS = [256, 384];
const D = 640;

export function syntheticClasses(classes: number, seed = 1, { noise = [1.2, 2.5] } = {}) {
  const rand = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () => Array.from({ length: D }, gauss));
  const draw = (c: number, out: Float32Array, at: number) => {
    let start = 0;
    DIMS.forEach((dim, b) => {
      let ss = 0;
      for (let j = start; j < start + dim; j++) {
        const v = centres[c]![j]! / Math.sqrt(dim) + (noise[b]! * gauss()) / Math.sqrt(dim);
        out[at + j] = v;
        ss += v * v;
      }
      for (let j = start; j < start + dim; j++) out[at + j]! /= Math.sqrt(ss);
      start += dim;
    });
  };
  /** `perClass` rows of each class in `which`, labelled `c<i>`. */
  const rows = (which: number[], perClass: number): { x: Embedded; y: string[] } => {
    const n = which.length * perClass;
    const out = new Float32Array(n * D);
    const y: string[] = [];
    which.forEach((c, i) => {
      for (let r = 0; r < perClass; r++) {
        draw(c, out, (i * perClass + r) * D);
        y.push(`c${c}`);
      }
    });
    const names = [...Array.from({ length: 256 }, (_, i) => `text/static#${i}`), ...Array.from({ length: 384 }, (_, i) => `text/chargram#${i}`)];
    return { x: { rows: out, n, names, errors: [] }, y };
  };
  return { rows };
}
