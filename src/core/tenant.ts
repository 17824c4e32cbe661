/**
 * The tenant: one credential set on one gateway. Several clients of different schools or merchants share
 * one process and one set of stores; every key the SDK writes for one of them is built from its tenant,
 * so two tenants never meet in a store (docs/settlement.md, "Key namespaces").
 */

/**
 * A gateway URL as the tenant names it: scheme, host, port (left out when it is the scheme's default) and
 * path (left out when it is `/`), lower-cased where URLs are case-blind. One gateway is one tenant however
 * it is spelt (`http://GW:80/x` is `http://gw/x`), and no `user:pass@`, query or fragment ever reaches a
 * store key, an entry id or a log line.
 */
export function tenantUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * The tenant of a credential set: its gateway URL and app key (Zhixiao: base URL and appid), the URL
 * normalised by tenantUrl.
 */
export function tenantOf(url: string, appKey: string): string {
  return `${tenantUrl(url)}#${appKey}`;
}
