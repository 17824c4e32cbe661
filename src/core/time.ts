/**
 * Gateway time. Both vendors stamp and check times in Beijing time (UTC+8), whatever the host's
 * zone — a server in UTC that formats local time is eight hours out and gets 40018.
 */

import { ConfigurationError } from './errors.js';

const BEIJING = 'Asia/Shanghai';
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string): Parts {
  if (timeZone === BEIJING) {
    // China has had no daylight saving since 1991: a fixed offset is exact and cheaper than Intl.
    const t = new Date(date.getTime() + 8 * 3600_000);
    return {
      y: t.getUTCFullYear(),
      mo: t.getUTCMonth() + 1,
      d: t.getUTCDate(),
      h: t.getUTCHours(),
      mi: t.getUTCMinutes(),
      s: t.getUTCSeconds(),
    };
  }
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, Number(x.value)]));
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** `yyyy-MM-dd HH:mm:ss` in the given zone (Beijing by default): the OneCard `timestamp`. */
export function formatGatewayTime(date: Date = new Date(), timeZone = BEIJING): string {
  const p = partsIn(date, timeZone);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** `yyyyMMddHHmmss` in the given zone (Beijing by default): the OneCard `order_time` and `pay_time`. */
export function formatCompactTime(date: Date = new Date(), timeZone = BEIJING): string {
  const p = partsIn(date, timeZone);
  return `${p.y}${pad(p.mo)}${pad(p.d)}${pad(p.h)}${pad(p.mi)}${pad(p.s)}`;
}

/**
 * Reads `yyyy-MM-dd HH:mm:ss` or `yyyyMMddHHmmss` as a time in `timeZone` (Beijing by default, the zone
 * the gateways stamp in): the same zone rule as formatting. Undefined when malformed or impossible
 * (Feb 30, month 13, 24:00).
 */
export function parseGatewayTime(text: string, timeZone = BEIJING): Date | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})[ T]?(\d{2}):?(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // The zone's offset at that moment: guess with the wall time read as UTC, then correct once (enough
  // for every zone except inside a DST jump, where any answer is a guess).
  let t = wall - offsetMs(new Date(wall), timeZone);
  t = wall - offsetMs(new Date(t), timeZone);
  const p = partsIn(new Date(t), timeZone);
  return p.y === y && p.mo === mo && p.d === d && p.h === h && p.mi === mi && p.s === s
    ? new Date(t)
    : undefined;
}

/** @deprecated since 0.2.0: parseGatewayTime(text), which also takes the zone. */
export const parseBeijingTime = (text: string): Date | undefined => parseGatewayTime(text);

function offsetMs(date: Date, timeZone: string): number {
  const p = partsIn(date, timeZone);
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(date.getTime() / 1000) * 1000;
}

/** The `timeZone` option: Asia/Shanghai unless given; an unknown zone is a ConfigurationError. */
export function checkTimeZone(timeZone: string | undefined): string {
  const tz = timeZone ?? BEIJING;
  if (!isValidTimeZone(tz)) throw new ConfigurationError('timeZone', 'is not an IANA time zone name');
  return tz;
}

/** Checks an IANA zone name at configuration time. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
