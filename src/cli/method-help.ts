/** `campus-pay onecard|zhixiao <method> --help`: a table method's fields, read from its request schema. */
import { z } from 'zod';
import type { MethodSpec } from '../core/method.js';
import { oneCardMethods } from '../onecard/methods.js';
import { zhixiaoMethods } from '../zhixiao/methods.js';
import { resolveMethod } from './args.js';

type Json = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Json[];
  limit?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Json>;
  required?: string[];
};

/** A field's type in a few words: `one of a, b`, `string or null`, with the schema's limit. */
function typeOf(s: Json): string {
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  // A Date (unrepresentable in JSON Schema) is the only field without a type.
  if (s.type === undefined) return 'a Date';
  if (s.type === 'integer' && s.limit) return s.limit;
  const type = [s.type].flat().join(' or ');
  const size = s.maxLength !== undefined ? `, at most ${s.maxLength} characters` : '';
  return `${type}${s.limit ? `, ${s.limit}` : size}${s.minLength ? ', not empty' : ''}`;
}

/** The help of one table method: its gateway name, spec section, kind and each field of its request. */
export function methodHelp(gateway: 'onecard' | 'zhixiao', name: string): string {
  const table: Record<string, MethodSpec> = gateway === 'onecard' ? oneCardMethods : zhixiaoMethods;
  const { method } = resolveMethod(gateway, table, name);
  const spec = table[method]!;
  const schema = z.toJSONSchema(spec.request, { unrepresentable: 'any', io: 'input' }) as Json;
  const fields = Object.entries(schema.properties ?? {});
  const width = Math.max(5, ...fields.map(([f]) => f.length));
  const required = new Set(schema.required ?? []);
  return [
    `campus-pay ${gateway} ${method} [json|-]`,
    '',
    `${spec.wire ?? '(path from your configuration)'} — spec ${spec.section}; ${spec.kind === 'money' || spec.kind === 'state' ? `${spec.kind}: never resent once it may have reached the gateway` : spec.kind}`,
    '',
    fields.length ? 'Fields (JSON):' : 'No fields: give {} or nothing.',
    ...fields.map(
      ([f, s]) => `  ${f.padEnd(width)}  ${required.has(f) ? 'required' : 'optional'}  ${typeOf(s)}`,
    ),
  ].join('\n');
}
