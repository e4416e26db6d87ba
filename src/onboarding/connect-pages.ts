/** What a browser endpoint of the connect flow answers: a redirect or a small HTML page. */
export type BrowserAnswer =
  { kind: 'redirect'; location: string; status: number } | { kind: 'page'; status: number; html: string };

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export const redirectTo = (location: string): BrowserAnswer => ({ kind: 'redirect', location, status: 302 });

/**
 * A page a person reads in the browser. Everything interpolated is escaped; callers never pass a code,
 * a state, a link token or any other secret.
 */
function page(
  status: number,
  title: string,
  message: string,
  link?: { href: string; text: string },
): BrowserAnswer {
  const back = link ? `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>${back}
</body>
</html>
`;
  return { kind: 'page', status, html };
}

const ASK_AGAIN = 'Ask whoever sent it to you for a new link.';

export const pages = {
  linkUnknown: () => page(404, 'Link not valid', `This connect link is not valid. ${ASK_AGAIN}`),
  linkUsed: () => page(410, 'Link already used', `This connect link has been opened already. ${ASK_AGAIN}`),
  /** For HEAD (link scanners, previews): answers without opening the link or consuming a state. */
  openInBrowser: () =>
    page(200, 'Connect a Particle account', 'Open this link in a web browser to continue.'),
  linkExpired: () => page(410, 'Link expired', `This connect link has expired. ${ASK_AGAIN}`),
  clientUnusable: () =>
    page(
      409,
      'Link cannot be used',
      `The Particle app of this connect link is no longer available. ${ASK_AGAIN}`,
    ),
  stateInvalid: () =>
    page(
      400,
      'Request not valid',
      `This sign-in response does not belong to an open connect link: it was used already, has expired or is not genuine. Nothing was changed. ${ASK_AGAIN}`,
    ),
  connected: (credentialId: string) =>
    page(
      200,
      'Connected',
      `Your Particle account is connected (credential ${credentialId}). You can close this window.`,
    ),
  denied: () =>
    page(
      200,
      'Not connected',
      'You declined access at Particle, so nothing was connected. You can close this window.',
    ),
  /** `upstreamDown`: Particle (or the broker's protection of it) is unavailable now, so trying later may work. */
  failed: (upstreamDown: boolean, back?: string) =>
    page(
      upstreamDown ? 503 : 502,
      'Not connected',
      upstreamDown
        ? `Particle could not be reached to finish connecting, so nothing was connected. Try again later with a new link.`
        : `Particle did not complete the connection, so nothing was connected. ${ASK_AGAIN}`,
      back ? { href: back, text: 'Back' } : undefined,
    ),
};
