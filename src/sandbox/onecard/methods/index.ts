/**
 * The OneCard sandbox's methods: one record per table method, holding the formats its fields must have
 * and its handler, kept by theme (`cards.ts`, `payments.ts`). The front checks a body against the
 * record's formats, then hands it to the record's handler.
 */
import { cardMethods } from './cards.js';
import type { OneCardMethodContext, OneCardSandboxMethods } from './common.js';
import { paymentMethods } from './payments.js';

export type { OneCardMethodContext, OneCardSandboxMethods } from './common.js';

/** Every table method's record: a method added to the table without one in a theme does not compile. */
export function oneCardSandboxMethods(ctx: OneCardMethodContext): OneCardSandboxMethods {
  return { ...cardMethods(ctx), ...paymentMethods(ctx) } satisfies OneCardSandboxMethods;
}
