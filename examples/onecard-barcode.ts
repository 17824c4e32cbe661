/** Barcode payment: the cardholder shows a payment code, the canteen POS charges it once. */
import { OneCardClient, OutcomeUnknownError } from 'campus-pay';
import { connect, run, yuan } from './connect.js';

run(async () => {
  const gw = await connect();
  try {
    const client = new OneCardClient(gw.onecard);
    const account = process.env.EXAMPLE_ACCOUNT ?? '10001';
    const mercacc = process.env.EXAMPLE_MERCACC ?? '1000060';
    const code = await client.getBarcode({ account, paytype: '1', payacc: '###' });
    console.log(`payment code ${code.barcode}, valid ${code.expires} s`);
    try {
      const paid = await client.payByBarcode({
        barcode: code.barcode,
        mercacc,
        tranamt: 1_250,
        dineseq: '2',
        remark: '午餐 lunch',
      });
      console.log(`charged card account ${paid.account}: ${yuan(paid.tranamt ?? 1_250)}`);
    } catch (err) {
      // Never charge again blindly: the first charge may have gone through.
      // No v2.41 query reports one charge: the advice says what to compare (docs/recovery.md).
      if (err instanceof OutcomeUnknownError) console.error(`outcome unknown — ${err.advice}`);
      throw err;
    }
    const again = await client
      .payByBarcode({ barcode: code.barcode, mercacc, tranamt: 1_250, dineseq: '2' })
      .catch((e: Error) => e);
    console.log(`paying the same code again: ${again instanceof Error ? again.message : 'accepted (!)'}`);
  } finally {
    await gw.close();
  }
});
