/** The sandbox's in-memory campus card ledger: cardholders, e-accounts, merchants, barcodes, recharges. */

export interface EAccount {
  /** 电子账户类型: `###` card account, else an e-account code. */
  type: string;
  name: string;
  /** Balance in fen. */
  balance: number;
  /** 转账标识 0 禁止 / 1 自助 / 2 自助及自动. */
  autotrans_flag: '0' | '1' | '2';
  singlelimit: number;
  daycostlimit: number;
  daycostamt: number;
}

export interface Cardholder {
  account: string;
  name: string;
  sno: string;
  phone: string;
  cert: string;
  cardid: string;
  pwd: string;
  lostflag: '0' | '1';
  freezeflag: '0' | '1';
  barflag: '0' | '1';
  accounts: EAccount[];
}

export interface RechargeOrder {
  out_id: string;
  order_no: string;
  account: string;
  acctype: string;
  order_amount: number;
  notify_url: string;
  return_url: string;
  /** 10 ordered · 60 credited · 77 failed. */
  order_status: '10' | '40' | '50' | '60' | '77' | '80';
  pay_time?: string;
  sttl_date?: string;
}

export interface Barcode {
  account: string;
  payacc: string;
  expiresAt: number;
}

export interface LedgerEntry {
  at: string;
  kind: 'transfer' | 'barcode_pay' | 'recharge';
  account: string;
  detail: string;
  amount: number;
}

const eacc = (
  type: string,
  name: string,
  balance: number,
  flag: EAccount['autotrans_flag'] = '1',
): EAccount => ({
  type,
  name,
  balance,
  autotrans_flag: flag,
  singlelimit: 50_000,
  daycostlimit: 100_000,
  daycostamt: 0,
});

export function seedCardholders(): Cardholder[] {
  const base = { lostflag: '0', freezeflag: '0', barflag: '1' } as const;
  return [
    {
      ...base,
      account: '10001',
      name: '张三',
      sno: '2023000001',
      phone: '13800000001',
      cert: '110101200001010011',
      cardid: '900001',
      pwd: '123456',
      accounts: [eacc('###', '卡账户', 10_000), eacc('001', '补助账户', 5_000)],
    },
    {
      ...base,
      account: '10002',
      name: '李四',
      sno: '2023000002',
      phone: '13800000002',
      cert: '110101200002020022',
      cardid: '900002',
      pwd: '654321',
      accounts: [eacc('###', '卡账户', 2_000), eacc('001', '补助账户', 0, '0')],
    },
    {
      ...base,
      freezeflag: '1',
      account: '10003',
      name: '王五',
      sno: '2023000003',
      phone: '13800000003',
      cert: '110101200003030033',
      cardid: '900003',
      pwd: '000000',
      accounts: [eacc('###', '卡账户', 3_000)],
    },
  ];
}

export class OneCardLedger {
  readonly cardholders = seedCardholders();
  /** 商户号 → takings in fen. */
  readonly merchants = new Map<string, number>([['1000060', 0]]);
  readonly barcodes = new Map<string, Barcode>();
  readonly recharges = new Map<string, RechargeOrder>();
  readonly bindings = new Map<string, string>();
  readonly entries: LedgerEntry[] = [];
  #serial = 0;

  nextSerial(): string {
    this.#serial += 1;
    return `${Date.now()}${String(this.#serial).padStart(6, '0')}`.slice(-20);
  }

  find(idtype: string, id: string): Cardholder[] {
    if (idtype === 'barcode') {
      const b = this.barcodes.get(id);
      return b ? this.find('acc', b.account) : [];
    }
    const field = ({ sno: 'sno', id: 'cert', phone: 'phone', acc: 'account', cardid: 'cardid' } as const)[
      idtype as 'sno'
    ];
    return field ? this.cardholders.filter((c) => c[field] === id) : [];
  }

  record(entry: Omit<LedgerEntry, 'at'>) {
    this.entries.push({ at: new Date().toISOString(), ...entry });
  }
}
