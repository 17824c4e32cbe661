/** What every entry of a gateway's method table says, whichever the gateway. */
import type { z } from 'zod';
import type { OutcomeQuery } from './errors.js';

/**
 * How a call may be repeated: `query` and `token` are retried when safe; `money` and `state` are never
 * resent once their bytes may have left (see guardOutcome).
 */
export type MethodKind = 'token' | 'query' | 'money' | 'state';

export interface MethodSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** Spec section and its Chinese name, e.g. `2.2.2.1 卡信息查询`. */
  section: string;
  kind: MethodKind;
  request: Req;
  response: Res;
  /** What to query when the outcome of a call that is not repeated is unknown. */
  outcomeQuery?: (v: z.output<Req>) => OutcomeQuery | undefined;
}
