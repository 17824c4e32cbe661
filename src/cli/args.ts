/** Command-line arguments: errors that name the argument, and the method a gateway command runs. */
import { ValidationError } from '../core/errors.js';
import { closest } from '../core/options.js';

/** A bad or missing argument: a ValidationError naming it, as a bad field of a request is named. */
export const badArgument = (command: string, argument: string, message: string) =>
  new ValidationError(`campus-pay ${command}`, 'request', [{ path: argument, message }]);

/** What `campus-pay onecard|zhixiao <method>` runs: a table method, or a gateway method outside the table. */
export type Target<N extends string> = { method: N } | { raw: string };
type Gateway = 'onecard' | 'zhixiao';
type Table<N extends string> = Readonly<Record<N, { readonly wire: string | undefined }>>;
type Name = string | undefined;

/**
 * The table method `<method>` names, by its SDK name (`queryCard`) or its wire name
 * (`synjones.onecard.query.card`, `/pay_api/order_query`): either runs the table's method, validated.
 * A name `raw` accepts is a gateway method outside the table. Anything else is refused before any I/O,
 * naming the closest table method.
 */
export function resolveMethod<N extends string>(command: Gateway, table: Table<N>, name: Name): { method: N };
export function resolveMethod<N extends string>(
  command: Gateway,
  table: Table<N>,
  name: Name,
  raw: { accepts: (name: string) => boolean; hint: string },
): Target<N>;
export function resolveMethod<N extends string>(
  command: Gateway,
  table: Table<N>,
  name: Name,
  raw?: { accepts: (name: string) => boolean; hint: string },
): Target<N> {
  if (!name) throw badArgument(command, '<method>', `missing; see campus-pay ${command} --help`);
  const names = Object.keys(table) as N[];
  if (Object.hasOwn(table, name)) return { method: name as N };
  const byWire = names.find((n) => table[n].wire === name);
  if (byWire) return { method: byWire };
  if (raw?.accepts(name)) return { raw: name };
  const near = closest(name, names);
  throw badArgument(
    command,
    '<method>',
    `"${name}" is not a method of the table${near ? `; did you mean ${near}?` : ''} (campus-pay ${command} --help lists them${raw ? `; ${raw.hint}` : ''})`,
  );
}
