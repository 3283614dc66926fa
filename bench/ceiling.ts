import { createServer } from 'node:http';
import { MIX_LINKS, codeOf, targetOf } from './codes.ts';

// The ceiling: what node:http alone does on this machine, with no framework, no database and
// no click recording. Every target is reported as a ratio of this.
const links = new Map<string, string>();
for (let i = 0; i < MIX_LINKS; i++) links.set(codeOf(i), targetOf(i));

const port = Number(process.env.PORT ?? 0);

createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0]!.slice(1);
  if (path === 'health') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const location = links.get(path);
  if (location === undefined) response.writeHead(404).end();
  else response.writeHead(302, { location, 'content-length': '0' }).end();
}).listen(port, '127.0.0.1');

process.once('SIGTERM', () => process.exit(0));
