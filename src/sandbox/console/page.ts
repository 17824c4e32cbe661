/**
 * The console page: one self-contained HTML document (no framework, no CDN: the sandbox works offline).
 * It renders the state the event stream sends and posts its buttons to the console's JSON actions.
 * Everything shown goes through `textContent`: an order's body or a merchant's answer is never markup.
 */
import { oneCardMethods } from '../../onecard/methods.js';
import { zhixiaoMethods } from '../../zhixiao/methods.js';
import { FAULT_KINDS } from '../faults.js';

const STYLE = `*{box-sizing:border-box}body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.7rem 1.2rem;display:flex;gap:1rem;align-items:center}header h1{font-size:1.1rem;margin:0}
#live{font-size:.8rem;padding:.1rem .5rem;border-radius:1rem;background:#6e7781}#live.on{background:#1a7f37}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1rem;padding:1rem;max-width:1500px;margin:auto}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.6rem .9rem;overflow:auto}section.wide{grid-column:1/-1}
h2{font-size:1rem;margin:.2rem 0 .5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{font-weight:600;color:#57606a;font-size:.85rem}.muted{color:#6e7781}.ok{color:#1a7f37}.bad{color:#cf222e}.num{text-align:right;font-variant-numeric:tabular-nums}
button{font:inherit;font-size:.8rem;padding:.15rem .55rem;margin:0 .2rem .2rem 0;border-radius:5px;border:1px solid #8c959f;background:#f6f8fa;cursor:pointer}
button:disabled{opacity:.35;cursor:default}button.go{background:#1a7f37;color:#fff;border-color:#1a7f37}button.warn{color:#cf222e}
form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin-bottom:.5rem}select,input{font:inherit;padding:.15rem .3rem}
td.acts{white-space:nowrap}#message{min-height:1.3em;font-size:.85rem}#feed{font:12px/1.4 ui-monospace,monospace;max-height:14rem;overflow:auto;margin:0;white-space:pre-wrap}`;

/** The page's script: plain DOM, no template literals (this file holds it in one). */
const SCRIPT = `const CFG=JSON.parse(document.getElementById('config').textContent);
const $=(s)=>document.querySelector(s);
const yuan=(f)=>'¥'+(f/100).toFixed(2);
const time=(iso)=>iso?iso.slice(11,19):'';
function node(tag,text,cls){const n=document.createElement(tag);if(text!==undefined)n.textContent=String(text);if(cls)n.className=cls;return n;}
function button(label,post,enabled,extra){const b=node('button',label,extra&&extra.cls);b.dataset.post=post;b.disabled=!enabled;if(extra&&extra.delay)b.dataset.delay='1';return b;}
function fill(id,rows,cols){const tb=document.getElementById(id);tb.replaceChildren();
if(!rows.length){const tr=node('tr');const td=node('td','none','muted');td.colSpan=cols;tr.append(td);tb.append(tr);return;}
for(const r of rows){const tr=node('tr');for(const c of r){const td=node('td');if(Array.isArray(c)&&c[0]instanceof HTMLButtonElement)td.className='acts';if(c instanceof Node)td.append(c);else if(Array.isArray(c))td.append(...c);else td.textContent=c===undefined?'':String(c);tr.append(td);}tb.append(tr);}}
function actions(gw,ref,pending,refundable){const base='/api/orders/'+gw+'/'+encodeURIComponent(ref)+'/';
return [button('Pay',base+'pay',pending,{cls:'go'}),button('Fail',base+'fail',pending),button('Expire',base+'expire',pending),button('Refund',base+'refund',refundable,{cls:'warn'})];}
function render(s){
fill('cards',s.cards.map((c)=>[c.account,c.name,c.sno,(c.frozen?'frozen ':'')+(c.lost?'lost':''),c.accounts.map((a)=>a.type+' '+a.name+' '+yuan(a.balance)).join(' · ')]),5);
fill('merchants',s.merchants.map((m)=>[m.mercacc,yuan(m.takings)]),2);
fill('orders',s.orders.map((o)=>[o.order_id,o.out_trade_no,o.body,yuan(o.total_fee),yuan(o.refunded),o.status+' '+o.meaning,actions('zhixiao',o.order_id,o.status===1,o.status===2&&o.refunded<o.total_fee)]),7);
fill('recharges',s.recharges.map((r)=>[r.out_id,r.order_no,r.account,yuan(r.order_amount),r.order_status+' '+r.meaning,actions('onecard',r.out_id,r.order_status==='10',['40','50','60'].includes(r.order_status))]),6);
fill('notices',s.notices.map((n)=>{const base='/api/notices/'+n.id+'/';const waiting=!!n.nextAttemptAt;
const tries=n.attempts.map((a,i)=>node('div',(i+1)+'. '+time(a.at)+' HTTP '+(a.status||'—')+' '+a.answer.slice(0,80)+(a.acknowledged?' ✓':''),a.acknowledged?'ok':'bad'));
const st=n.acknowledged?'acknowledged':n.dropped?'dropped':waiting?'next attempt '+time(n.nextAttemptAt):'no more attempts';
return [n.id,n.gateway,n.ref+(n.duplicate?' (duplicate)':'')+(n.replay?' (replay)':''),n.url,tries.length?tries:node('span','none yet','muted'),st,
[button('Replay',base+'replay',true),button('Duplicate',base+'duplicate',true),button('Drop',base+'drop',waiting,{cls:'warn'}),button('Delay',base+'delay',waiting,{delay:true})]];}),7);
fill('calls',s.calls.map((c)=>[time(c.at),c.gateway,c.method,c.status||'dropped',c.code===undefined?'—':c.code,c.faults.join(', ')]),6);
fill('tokens',s.tokenFetches.map((c)=>[time(c.at),c.status||'dropped',c.code===undefined?'—':c.code,c.faults.join(', ')]),4);
fill('armed',s.faults.armed.map((a)=>[a.kind,a.method||(a.includeToken?'any call, token fetch included':'any call but the token fetch'),a.remaining]),3);
const shares=Object.entries(s.faults.shares).map(([k,v])=>k+'='+v).join(', ');$('#shares').textContent=shares||'none';}
function feed(e){const line=e.type==='call'?e.gateway+' '+e.method+' → '+(e.status||'dropped')+(e.code!==undefined?' code '+e.code:'')+(e.faults.length?' ['+e.faults.join(', ')+']':'')
:e.type==='notice'?'notice '+e.id+' '+e.what+(e.attempt?' #'+e.attempt.n+' HTTP '+(e.attempt.status||'—')+' '+e.attempt.answer.slice(0,60):'')+(e.nextAttemptAt?' next '+time(e.nextAttemptAt):'')
:e.type==='order'?e.gateway+' order '+e.ref+' '+e.action+' → '+e.status+' ('+e.by+')':'faults: '+e.armed.length+' armed';
const f=$('#feed');f.prepend(node('div',time(e.at)+'  '+e.type.padEnd(7)+line));while(f.childNodes.length>100)f.lastChild.remove();}
function say(text,bad){const m=$('#message');m.textContent=text;m.className=bad?'bad':'ok';}
async function call(url,method,body){const r=await fetch(url,{method,headers:{'Content-Type':'application/json'},body:body&&JSON.stringify(body)});
const j=await r.json();if(r.ok)say(method+' '+url+': done');else say(j.error,true);return j;}
document.addEventListener('click',(ev)=>{const b=ev.target.closest('button[data-post]');if(!b)return;
call(b.dataset.post,'POST',b.dataset.delay?{ms:Number($('#delay-ms').value)}:undefined);});
for(const k of CFG.kinds)$('#kind').append(node('option',k));
for(const [gw,ms] of Object.entries(CFG.methods)){const g=document.createElement('optgroup');g.label=gw;for(const m of ms)g.append(node('option',m));$('#method').append(g);}
$('#arm').onsubmit=(ev)=>{ev.preventDefault();call('/api/faults','POST',{kind:$('#kind').value,method:$('#method').value,count:Number($('#count').value)});};
$('#clear-faults').onclick=()=>call('/api/faults','DELETE');
const es=new EventSource('/api/events');
es.onopen=()=>{$('#live').textContent='live';$('#live').className='on';};
es.onerror=()=>{$('#live').textContent='reconnecting…';$('#live').className='';};
es.onmessage=(m)=>{const e=JSON.parse(m.data);if(e.type==='state')render(e.state);else feed(e);};`;

const table = (id: string, head: string[]) =>
  `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody id="${id}"></tbody></table>`;

export function consolePage(): string {
  const config = JSON.stringify({
    kinds: FAULT_KINDS,
    methods: { onecard: Object.keys(oneCardMethods), zhixiao: Object.keys(zhixiaoMethods) },
  }).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>campus-pay sandbox console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<header><h1>campus-pay sandbox console</h1><span id="live">connecting…</span><span class="muted">Nothing here moves real money.</span></header>
<main>
<section class="wide"><h2>Faults 故障</h2>
<form id="arm"><label>Arm <select id="kind"></select></label><label>for the next <input id="count" type="number" min="1" value="1" style="width:4em"></label>
<label>calls of <select id="method"><option value="">any method (not the token fetch)</option></select></label><button class="go" type="submit">Arm</button>
<button type="button" id="clear-faults" class="warn">Clear all faults</button></form>
${table('armed', ['armed fault', 'applies to', 'remaining'])}<p class="muted">Shares: <span id="shares">none</span></p><div id="message"></div></section>
<section class="wide"><h2>Zhixiao orders 知校订单</h2>${table('orders', ['order_id', 'out_trade_no', 'body', 'amount', 'refunded', 'status', ''])}</section>
<section class="wide"><h2>OneCard recharges 一卡通充值</h2>${table('recharges', ['out_id', 'order_no', 'account', 'amount', 'order_status', ''])}</section>
<section class="wide"><h2>Notifications 通知</h2><p class="muted">Delay moves a waiting notice's next attempt by <input id="delay-ms" type="number" min="0" value="10000" style="width:6em"> ms.</p>
${table('notices', ['#', 'gateway', 'order', 'merchant URL', 'attempts (HTTP, merchant answered)', 'state', ''])}</section>
<section><h2>Cards and balances 一卡通账户</h2>${table('cards', ['account', 'name', 'sno', 'flags', 'e-accounts'])}
<h2>Merchants 商户</h2>${table('merchants', ['mercacc', 'takings'])}</section>
<section><h2>Token fetches 令牌</h2>${table('tokens', ['time', 'HTTP', 'errcode', 'faults'])}</section>
<section><h2>API calls 接口调用</h2>${table('calls', ['time', 'gateway', 'method', 'HTTP', 'code', 'faults'])}</section>
<section><h2>Live events 事件</h2><pre id="feed"></pre></section>
</main><script type="application/json" id="config">${config}</script><script>${SCRIPT}</script></body></html>`;
}
