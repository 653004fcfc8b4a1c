// The JSON Schemas in schemas/ (draft 2020-12), loaded once into Ajv: a document is checked
// against the schema its `schema` id names (vping's documents), or against an ip view's.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

/** `vping.ping.reply/1` → `ping.reply-v1.json`. */
export const schemaFile = (id: string): string => {
  const m = /^vping\.([a-z.]+)\/(\d+)$/.exec(id);
  if (!m) throw new Error(`not a vping schema id: ${JSON.stringify(id)}`);
  return `${m[1]}-v${m[2]}.json`;
};

let ajv: Ajv2020 | null = null;
function load(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: true });
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json'))) ajv.addSchema(JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as object);
  return ajv;
}

/** The validator of one schema file (by file name). */
export function validator(file: string): ValidateFunction {
  const v = load().getSchema(file);
  if (!v) throw new Error(`no schema ${file} in schemas/`);
  return v;
}

/** Errors of `doc` against `file` (or the file its `schema` names), as text; '' when valid. */
export function schemaErrors(doc: unknown, file?: string): string {
  const f = file ?? schemaFile((doc as { schema?: string }).schema ?? '');
  const v = validator(f);
  if (v(doc)) return '';
  return `${f}: ${load().errorsText(v.errors, { separator: '\n' })}`;
}

/** Keys that break the naming rule (snake_case, lower case, digits), with their path. */
export function badKeys(v: unknown, path = '$'): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => badKeys(x, `${path}[${i}]`));
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [...(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(k) ? [] : [`${path}.${k}`]), ...badKeys(x, `${path}.${k}`)]);
}
