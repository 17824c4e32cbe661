/** Card query and account info: who holds this student number, and what is in each e-account. */
import { OneCardClient } from 'campus-pay';
import { connect, run, yuan } from './connect.js';

run(async () => {
  const gw = await connect();
  try {
    const client = new OneCardClient(gw.onecard);
    const sno = process.env.EXAMPLE_SNO ?? '2023000001';
    const { card } = await client.queryCard({ idtype: 'sno', id: sno });
    for (const c of card) {
      console.log(
        `card account ${c.account} · ${c.name} · ${c.cardname} · balance ${yuan(c.db_balance ?? 0)}`,
      );
      const { accinfo } = await client.queryAccInfo({ account: c.account, acctype: '###' });
      const all = await client.queryAccInfo({ account: c.account });
      for (const a of [...accinfo, ...all.accinfo])
        console.log(`  e-account ${a.type} ${a.name}: ${yuan(a.balance)}`);
    }
  } finally {
    await gw.close();
  }
});
