// Config and topology files: YAML 1.2 (JSON is a part of it) through the `yaml` package,
// read as a mapping of known keys, every mistake one line that names the file.
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../sys/errors.js';

/**
 * The mapping at the top of a YAML document, its keys checked against `known` (a typo is not
 * silently ignored); null for an empty document. `expected` says what the top should be.
 */
export function readMapping(text: string, file: string, known: ReadonlySet<string>, expected: string): Record<string, unknown> | null {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return null;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: expected ${expected}`);
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!known.has(k)) throw new UsageError(`${file}: unknown key "${k}" (known: ${[...known].join(', ')})`);
  return d;
}
