/**
 * Each reply shape is written once, as a zod schema; its type is the schema's output. `tsc --noEmit`
 * (npm run check) checks this file, and vitest runs it so the expectations show up in the suite too.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { optString, replyObject } from '../../src/core/schema.js';
import {
  type OneCardMethodName,
  type OneCardReply,
  OneCardSchemas,
  type oneCardMethods,
  type ZhixiaoMethodName,
  type ZhixiaoReply,
  type ZhixiaoSchemas,
  type zhixiaoMethods,
} from '../../src/index.js';

type OneCardTable = typeof oneCardMethods;
type ZhixiaoTable = typeof zhixiaoMethods;

/** Exact equality: neither a missing optional field nor an added one slips through. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type AllTrue<R> = { [K in keyof R]: true };

describe('one source per reply shape', () => {
  it('every client method (OneCardReply<M>, ZhixiaoReply<M>) returns exactly its table schema’s output', () => {
    type OneCard = {
      [M in OneCardMethodName]: Equal<OneCardReply<M>, z.output<OneCardTable[M]['response']>>;
    };
    type Zhixiao = {
      [M in ZhixiaoMethodName]: Equal<ZhixiaoReply<M>, z.output<ZhixiaoTable[M]['response']>>;
    };
    expectTypeOf<OneCard>().toEqualTypeOf<AllTrue<OneCard>>();
    expectTypeOf<Zhixiao>().toEqualTypeOf<AllTrue<Zhixiao>>();
  });

  it('nested and notice types are their schemas’ outputs', () => {
    expectTypeOf<OneCardSchemas.CardInfo>().toEqualTypeOf<z.output<typeof OneCardSchemas.Card>>();
    expectTypeOf<OneCardSchemas.AccInfoFields>().toEqualTypeOf<z.output<typeof OneCardSchemas.AccInfo>>();
    expectTypeOf<OneCardSchemas.RechargeNotificationFields>().toEqualTypeOf<
      z.output<typeof OneCardSchemas.RechargeNotification>
    >();
    expectTypeOf<ZhixiaoSchemas.PaymentNotificationFields>().toEqualTypeOf<
      z.output<typeof ZhixiaoSchemas.PaymentNotification>
    >();
  });

  it('a field renamed or retyped in a schema is a different type, where an annotation let it through', () => {
    const { db_balance, ...rest } = OneCardSchemas.Card.in.shape;
    const Renamed = replyObject({ ...rest, db_balanse: db_balance });
    const Retyped = replyObject({ ...rest, db_balance: optString });
    // What a hand-written interface plus `z.ZodType<Interface>` accepted: an optional field renamed or retyped.
    const annotated: z.ZodType<OneCardSchemas.CardInfo> = Renamed;
    // @ts-expect-error db_balanse is not db_balance: exact equality fails
    expectTypeOf<z.output<typeof Renamed>>().toEqualTypeOf<OneCardSchemas.CardInfo>();
    // @ts-expect-error db_balance as text is not an amount in fen
    expectTypeOf<z.output<typeof Retyped>>().toEqualTypeOf<OneCardSchemas.CardInfo>();
    const read = (card: z.output<typeof Renamed>, text: z.output<typeof Retyped>) => {
      // @ts-expect-error the type follows the schema: the old name is gone for every reader
      void card.db_balance;
      // @ts-expect-error and a retyped field is no longer a number
      const fen: number | undefined = text.db_balance;
      return fen;
    };
    expectTypeOf(read).toBeFunction();
    expectTypeOf(annotated).not.toBeAny();
  });
});
