/**
 * A OneCard gateway that answers from precomputed, correctly signed replies, so that a benchmark measures
 * the client, not the server. Runs in its own process; prints its port; GET /stats returns counters.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPrivateKey } from '../src/crypto.js';
import { encodeReply } from '../src/onecard/envelope.js';
import { METHOD, REPLY } from './fixtures.js';

const keys = JSON.parse(process.env.BENCH_KEYS!) as { desKey: string; platformPrivatePem: string };
const signer = { desKey: keys.desKey, platformPrivateKey: loadPrivateKey(keys.platformPrivatePem) };
const cardReply = encodeReply(signer, METHOD, '0', REPLY);
const tokenReply = encodeReply(signer, 'synjones.authorize.access_token', '0', {
  retcode: '0',
  access_token: 'bench-token',
  expires_in: '7200',
});
let requests = 0;
let tokenFetches = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.end(JSON.stringify({ requests, tokenFetches }));
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
  });
  req.on('end', () => {
    requests++;
    const isToken = body.includes('method=synjones.authorize.access_token');
    if (isToken) tokenFetches++;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(isToken ? tokenReply : cardReply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
