/** A self-contained page: no build step, no external assets (the product runs offline). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>queuekeeper dashboard</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:12px 20px;display:flex;gap:12px;align-items:center}
header h1{font-size:18px;margin:0;flex:1}main{padding:20px;display:grid;gap:20px;max-width:1100px}
section{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 2px #0001}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #eee}
button{cursor:pointer;border:1px solid #ccd;border-radius:4px;background:#fff;padding:3px 9px;margin-right:4px}
input,select{padding:4px 6px}.err{color:#b00020}.ok{color:#0a7a2f}.warn{color:#a65b00}
</style></head><body>
<header><h1>queuekeeper</h1><input id="key" type="password" placeholder="API key" size="40"><button id="save">Use key</button></header>
<main>
<p id="msg"></p>
<section><h2>Queues</h2>
<form id="create"><input name="name" placeholder="New queue name" required> <select name="mode"><option value="service">service</option><option value="waiting_room">waiting room</option></select> <button>Create</button></form>
<table><thead><tr><th>Name</th><th>Mode</th><th>Status</th><th>Waiting</th><th>Wait for a new joiner</th><th></th></tr></thead><tbody id="queues"></tbody></table></section>
<section><h2>Maintenance</h2><table><thead><tr><th>Plan</th><th>Schedule</th><th>Last run</th><th>Next run</th><th></th></tr></thead><tbody id="plans"></tbody></table>
<h3>Recent runs</h3><table><thead><tr><th>Plan</th><th>Started</th><th>Status</th><th>Report</th></tr></thead><tbody id="runs"></tbody></table></section>
</main>
<script>
const $=(s)=>document.querySelector(s);
const esc=(s)=>String(s??'').replace(/[&<>"']/g,(c)=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
let key=sessionStorage.getItem('qk-key')||'';$('#key').value=key;
$('#save').onclick=()=>{key=$('#key').value.trim();sessionStorage.setItem('qk-key',key);load();};
async function api(method,path,body){const r=await fetch(path,{method,headers:{authorization:'Bearer '+key,...(body?{'content-type':'application/json'}:{})},body:body?JSON.stringify(body):undefined});
 if(r.status===204)return null;const j=await r.json().catch(()=>null);if(!r.ok)throw new Error(j&&j.error?j.error.code+': '+j.error.message:r.statusText);return j;}
const say=(t,c)=>{$('#msg').textContent=t;$('#msg').className=c||'';};
const mins=(e)=>e?Math.round(e.lowSeconds/60)+'–'+Math.round(e.highSeconds/60)+' min':'';
async function load(){if(!key){say('Enter an operator or admin key.');return;}
 try{const qs=await api('GET','/api/queues');$('#queues').innerHTML=qs.items.map((q)=>'<tr><td>'+esc(q.name)+'</td><td>'+esc(q.mode)+'</td><td>'+esc(q.status)+'</td><td>'+q.waitingCount+'</td><td>'+mins(q.estimatedWait)+'</td><td>'+
  '<button data-a="next" data-id="'+esc(q.id)+'">Call next</button><button data-a="'+(q.status==='paused'?'open':'paused')+'" data-id="'+esc(q.id)+'">'+(q.status==='paused'?'Resume':'Pause')+'</button></td></tr>').join('');say('');}
 catch(e){say(e.message,'err');}
 try{const s=await api('GET','/api/maintenance/schedule');$('#plans').innerHTML=s.items.map((p)=>'<tr><td>'+esc(p.name)+'</td><td>'+esc(p.cron||'on demand')+'</td><td>'+esc(p.lastRun||'')+'</td><td>'+esc(p.nextRun||'')+'</td><td><button data-a="run" data-id="'+esc(p.name)+'">Run now</button></td></tr>').join('');
  const runs=await api('GET','/api/maintenance/runs?limit=10');$('#runs').innerHTML=runs.items.map((r)=>'<tr><td>'+esc(r.plan)+'</td><td>'+esc(r.startedAt)+'</td><td class="'+(r.success?'ok':r.status==='running'?'warn':'err')+'">'+esc(r.status)+'</td><td><a href="#" data-report="'+esc(r.id)+'">open</a></td></tr>').join('');}
 catch(e){$('#plans').innerHTML='<tr><td colspan=5>Maintenance needs an admin key.</td></tr>';}}
document.body.addEventListener('click',async(ev)=>{const b=ev.target.closest('[data-a],[data-report]');if(!b)return;ev.preventDefault();
 try{if(b.dataset.report){const r=await fetch('/api/maintenance/runs/'+b.dataset.report+'/report',{headers:{authorization:'Bearer '+key}});const w=window.open();w.document.write(await r.text());return;}
  if(b.dataset.a==='next'){const t=await api('POST','/api/queues/'+b.dataset.id+'/call-next',{});say(t?'Called ticket '+t.number:'Nobody is waiting.','ok');}
  else if(b.dataset.a==='run'){const r=await api('POST','/api/maintenance/runs',{plan:b.dataset.id});say('Started run '+r.id,'ok');}
  else await api('PATCH','/api/queues/'+b.dataset.id,{status:b.dataset.a});load();}catch(e){say(e.message,'err');}});
$('#create').onsubmit=async(ev)=>{ev.preventDefault();const f=new FormData(ev.target);try{await api('POST','/api/queues',{name:f.get('name'),mode:f.get('mode')});ev.target.reset();load();}catch(e){say(e.message,'err');}};
load();setInterval(load,5000);
</script></body></html>`;
