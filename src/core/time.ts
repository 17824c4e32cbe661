/**
 * Gateway time. Both vendors stamp and check times in Beijing time (UTC+8), whatever the host's
 * zone — a server in UTC that formats local time is eight hours out and gets 40018.
 */

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

/** `yyyyMMddHHmmss` in Beijing time: the OneCard `order_time` and `pay_time`. */
export function formatCompactTime(date: Date = new Date(), timeZone = BEIJING): string {
  const p = partsIn(date, timeZone);
  return `${p.y}${pad(p.mo)}${pad(p.d)}${pad(p.h)}${pad(p.mi)}${pad(p.s)}`;
}

/** Reads `yyyy-MM-dd HH:mm:ss` or `yyyyMMddHHmmss` as Beijing time; undefined when malformed. */
export function parseBeijingTime(text: string): Date | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})[ T]?(\d{2}):?(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h - 8, mi, s);
  const check = new Date(t + 8 * 3600_000);
  return check.getUTCDate() === d && check.getUTCMonth() === mo - 1 ? new Date(t) : undefined;
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
