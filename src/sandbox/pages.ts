/** The pay page, where a developer plays the payer, and `/api/state` (the console is in `console/`). */
import type { NotificationRecord } from './notifier.js';
import type { OneCardSandbox } from './onecard/index.js';
import type { ZhixiaoSandbox } from './zhixiao/index.js';

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
button{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem;border-radius:6px;border:1px solid #888;cursor:pointer}
#pay{background:#1a7f37;color:#fff;border-color:#1a7f37}#fail{background:#fff;color:#b42318}.muted{color:#777}code{background:#f4f4f4;padding:0 .3rem}`;

function layout(title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>${body}${script ? `<script>${script}</script>` : ''}</body></html>`;
}

export interface PayPageModel {
  gateway: 'zhixiao' | 'onecard';
  ref: string;
  title: string;
  amount: number;
  rows: Array<[string, string]>;
  /** Current state in words, and whether it can still be paid. */
  state: string;
  payable: boolean;
}

export function payPage(m: PayPageModel): string {
  const rows = m.rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const body = `<h1>campus-pay sandbox · ${m.gateway === 'zhixiao' ? '知校聚合支付' : '一卡通充值'}</h1>
<p class="muted">You are the payer. Nothing here moves real money.</p>
<table>${rows}<tr><th>Amount 金额</th><td><strong>${yuan(m.amount)}</strong></td></tr>
<tr><th>Status 状态</th><td id="status">${esc(m.state)}</td></tr></table>
<div id="actions" ${m.payable ? '' : 'hidden'}><button id="pay">Pay 支付</button><button id="fail">Fail 支付失败</button></div>
<h2>Notifications 通知</h2><table><thead><tr><th>time</th><th>HTTP</th><th>merchant answered</th></tr></thead><tbody id="attempts"><tr><td colspan="3" class="muted">none yet</td></tr></tbody></table>
<p><a href="/">Console</a></p>`;
  const script = `const base='/pay/${m.gateway}/${encodeURIComponent(m.ref)}';
async function act(kind){document.getElementById('actions').hidden=true;const r=await fetch(base+'/'+kind,{method:'POST'});const j=await r.json();document.getElementById('status').textContent=j.state;poll();if(j.return_to){const a=document.createElement('a');a.href=j.return_to;a.id='return';a.textContent='Return to the merchant 返回商户';document.body.appendChild(a);}}
document.getElementById('pay').onclick=()=>act('pay');document.getElementById('fail').onclick=()=>act('fail');
async function poll(){const r=await fetch('/api/notifications/${m.gateway}/'+encodeURIComponent(${JSON.stringify(m.ref)}));const j=await r.json();
const tb=document.getElementById('attempts');if(j.attempts.length){tb.innerHTML='';for(const a of j.attempts){const tr=document.createElement('tr');
for(const v of [a.at.slice(11,19),a.status||'—',a.answer+(a.acknowledged?' ✓':'')]){const td=document.createElement('td');td.textContent=v;tr.appendChild(td);}tb.appendChild(tr);}}
if(!j.acknowledged)setTimeout(poll,400);}
poll();`;
  return layout(m.title, body, script);
}

export interface DashboardModel {
  cards: Array<{
    account: string;
    name: string;
    sno: string;
    accounts: Array<{ type: string; name: string; balance: number }>;
  }>;
  merchants: Array<[string, number]>;
  recharges: Array<{ out_id: string; order_no: string; order_amount: number; order_status: string }>;
  orders: Array<{
    order_id: string;
    out_trade_no: string;
    total_fee: number;
    refunded: number;
    status: number;
  }>;
  notifications: Array<{
    gateway: string;
    ref: string;
    url: string;
    attempts: number;
    acknowledged: boolean;
  }>;
}

/** What `/api/state` answers (the CLI's `sandbox pay` reads it). */
export function sandboxState(onecard: OneCardSandbox, zhixiao: ZhixiaoSandbox, log: NotificationRecord[]) {
  return {
    cards: onecard.ledger.cardholders.map((c) => ({
      account: c.account,
      name: c.name,
      sno: c.sno,
      accounts: c.accounts,
    })),
    merchants: [...onecard.ledger.merchants],
    recharges: [...onecard.ledger.recharges.values()],
    orders: [...zhixiao.orders.values()],
    notifications: log.map((n) => ({
      gateway: n.gateway,
      ref: n.ref,
      url: n.url,
      attempts: n.attempts.length,
      acknowledged: n.acknowledged,
    })),
  } satisfies DashboardModel;
}
