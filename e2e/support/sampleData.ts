/**
 * The sample data shipped in resources/: a Fashion-MNIST subset as PNG class
 * folders (train/ and test/), the data a person first trains on.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLE_DATA = fileURLToPath(new URL('../../resources/sample-data/fashion-mnist/images', import.meta.url));

export function sampleData(): string {
  if (!existsSync(SAMPLE_DATA)) throw new Error(`The sample data is missing from ${SAMPLE_DATA}; it is part of the repository (resources/README.md says how it is made).`);
  return SAMPLE_DATA;
}
