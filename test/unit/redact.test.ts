import { describe, expect, it } from 'vitest';
import { redactor } from '../../service/app/redact.ts';

describe('redactor', () => {
  it('replaces server directories (longest first) in every string of an error answer', () => {
    const redact = redactor([
      ['/root/.cache/strata', '<cache>'],
      ['/root/.cache/strata/models', '<models>'],
    ]);
    const body = { error: { code: 'model_missing', message: 'Model files missing in /root/.cache/strata/models/x: model.onnx', details: { files: ['/root/.cache/strata/heads/a.json'], n: 3 } } };
    expect(redact(body)).toEqual({ error: { code: 'model_missing', message: 'Model files missing in <models>/x: model.onnx', details: { files: ['<cache>/heads/a.json'], n: 3 } } });
  });
});
