/**
 * Which Particle paths the proxy carries (design.md §11): the device cloud only. Token, client, team and
 * account management stay with the broker, so a key that may only proxy can never come away with a
 * token (a Particle answer to those paths would hold one, or would let the caller make one).
 */
export type PathVerdict =
  | { kind: 'forward' }
  /** A GET of an event stream: served by the hub, one upstream stream shared by every subscriber. */
  | { kind: 'stream' }
  | { kind: 'refused'; reason: string };

const FORWARD: PathVerdict = { kind: 'forward' };
const STREAM: PathVerdict = { kind: 'stream' };
const refused = (reason: string): PathVerdict => ({ kind: 'refused', reason });

/** Segments that name management of credentials wherever they appear (`**\/clients/**`, `**\/team/**`). */
const MANAGEMENT_SEGMENTS = new Set(['clients', 'team', 'access_tokens', 'oauth']);
/** What a product's sub-tree may be reached for (`/v1/products/{p}/<this>/...`). */
const PRODUCT_AREAS = new Set(['devices', 'events', 'sims', 'firmware', 'diagnostics', 'customers']);
const TOP_AREAS = new Set(['devices', 'events', 'sims', 'diagnostics']);

/**
 * Segments after `/v1`, or undefined when the path could mean something other than it says to a
 * server that decodes or normalises it: dot segments, empty segments, encoded slashes, dots or
 * backslashes, anything outside printable ASCII.
 */
function segmentsOf(path: string): string[] | undefined {
  if (!/^[\x21-\x7e]+$/.test(path) || /%(2f|5c|2e|00)|\\/i.test(path)) return undefined;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return segments;
}

/** `…/events` or `…/events/<prefix>`: the tail of an event-stream path. */
function isEventsTail(rest: string[]): boolean {
  return rest[0] === 'events' && rest.length <= 2;
}

/** `path` is the part after `/v1/tenants/{id}/particle`, without the query string. */
export function classifyPath(method: string, path: string): PathVerdict {
  const segments = segmentsOf(path);
  if (!segments) return refused('the path is not in canonical form (no dot, empty or encoded segments)');
  if (segments.some((s) => MANAGEMENT_SEGMENTS.has(s.toLowerCase()))) {
    return refused('token, client, team and account management stay with the broker');
  }
  const [version, area, ...rest] = segments;
  if (version !== 'v1' || area === undefined) return refused('only the v1 device cloud is proxied');
  const get = method === 'GET';
  if (area === 'user') {
    if (rest.length === 0 && (get || method === 'HEAD')) return FORWARD;
    return refused('only GET /v1/user is proxied: account changes stay with the broker');
  }
  if (area === 'products') {
    const [product, productArea, ...tail] = rest;
    if (product === undefined || productArea === undefined || !PRODUCT_AREAS.has(productArea)) {
      return refused("a product's devices, events, SIMs, firmware, diagnostics and customers are proxied");
    }
    // Creating a customer can answer with a token set (particle-cloud.md §8, §15).
    if (productArea === 'customers' && method === 'POST') {
      return refused('creating customers answers with tokens: ask the broker for customer tokens');
    }
    if (get && isEventsTail([productArea, ...tail])) return STREAM;
    return FORWARD;
  }
  if (!TOP_AREAS.has(area)) return refused(`/v1/${area} is not part of the device cloud the proxy carries`);
  if (get && isEventsTail([area, ...rest])) return STREAM;
  if (
    get &&
    area === 'devices' &&
    (isEventsTail(rest) || (rest.length >= 2 && isEventsTail(rest.slice(1))))
  ) {
    return STREAM;
  }
  return FORWARD;
}
