// The sample application: a guestbook with a visit counter, kept in etcd under its own key prefix.
// It reads everything it needs from the EtcdUser credentials Secret mounted as files (endpoints,
// username, password, and ca.crt when the cluster has TLS), and shows what a permission-denied
// looks like when it reaches outside its prefix (GET /outside).
//   CREDENTIALS_DIR (default /etc/etcd-credentials)  APP_PREFIX (default app/)  PORT (default 8080)
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

const dir = process.env.CREDENTIALS_DIR ?? '/etc/etcd-credentials';
const prefix = process.env.APP_PREFIX ?? 'app/';
const port = Number(process.env.PORT ?? 8080);
const file = (name: string) => readFileSync(join(dir, name), 'utf8').trim();

const ca = existsSync(join(dir, 'ca.crt')) ? readFileSync(join(dir, 'ca.crt')) : undefined;
const etcd = new Etcd3({
  hosts: file('endpoints').split(','),
  auth: { username: file('username'), password: file('password') },
  ...(ca && { credentials: { rootCertificate: ca } }),
  defaultCallOptions: () => ({ deadline: new Date(Date.now() + 5000) }),
});

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const send = (res: ServerResponse, status: number, type: string, body: string) => { res.writeHead(status, { 'content-type': type }); res.end(body); };
const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', `${JSON.stringify(body)}\n`);

/** Adds one to the counter with a compare-and-swap, so concurrent visits never lose a count. */
async function countVisit(): Promise<number> {
  for (;;) {
    const current = await etcd.get(`${prefix}visits`).string();
    const next = String(Number(current ?? 0) + 1);
    const cmp = current === null ? etcd.if(`${prefix}visits`, 'Create', '==', 0) : etcd.if(`${prefix}visits`, 'Value', '==', current);
    if ((await cmp.then(etcd.put(`${prefix}visits`).value(next)).commit()).succeeded) return Number(next);
  }
}

async function body(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) { data += chunk; if (data.length > 4096) break; }
  return data;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/healthz') return json(res, 200, { ok: true });
  if (url.pathname === '/sign' && req.method === 'POST') {
    const name = (new URLSearchParams(await body(req)).get('name') ?? url.searchParams.get('name') ?? '').trim().slice(0, 100);
    if (!name) return json(res, 400, { error: 'name is required' });
    await etcd.put(`${prefix}guestbook/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`).value(name);
    res.writeHead(303, { location: '/' });
    return void res.end();
  }
  if (url.pathname === '/outside') {
    // Outside the prefix this user may use: etcd refuses, and the page says so.
    try {
      await etcd.get('other/secret').string();
      return json(res, 200, { outside: 'read (this user is not restricted to its prefix)' });
    } catch (err) {
      return json(res, 403, { outside: 'refused', error: (err as Error).message });
    }
  }
  if (url.pathname === '/api') {
    const entries = Object.values(await etcd.getAll().prefix(`${prefix}guestbook/`).strings());
    return json(res, 200, { visits: Number(await etcd.get(`${prefix}visits`).string() ?? 0), entries });
  }
  if (url.pathname !== '/') return json(res, 404, { error: 'not found' });
  const visits = await countVisit();
  const entries = Object.values(await etcd.getAll().prefix(`${prefix}guestbook/`).strings());
  send(res, 200, 'text/html; charset=utf-8', `<!doctype html><title>etcd guestbook</title>
<h1>Guestbook</h1><p>Visit number ${visits}, kept in etcd under <code>${escape(prefix)}</code>.</p>
<form method="post" action="/sign"><input name="name" placeholder="your name"> <button>Sign</button></form>
<ul>${entries.map((e) => `<li>${escape(e)}</li>`).join('')}</ul>
<p><a href="/outside">Try to read outside ${escape(prefix)}</a></p>`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: Error) => json(res, 503, { error: err.message }));
});
server.listen(port, () => console.log(`guestbook on :${port}, etcd ${file('endpoints')} as ${file('username')}, prefix ${prefix}`));
const stop = () => { server.close(); etcd.close(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
