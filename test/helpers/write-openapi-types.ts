/** `npm run openapi:types`: rewrites `test/generated/strata-api.ts` from the OpenAPI document. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../service/app/routes/openapi.ts';
import { GENERATED_TYPES, generateApiTypes } from './openapi-types.ts';

await writeFile(GENERATED_TYPES, await generateApiTypes(JSON.parse(JSON.stringify(openApiDocument())) as object));
console.log(`wrote ${fileURLToPath(GENERATED_TYPES)}`);
