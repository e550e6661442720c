const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/**
 * Whether a URL's host is this machine: `localhost`, `::1` or any of 127.0.0.0/8. Plain HTTP is
 * acceptable only there (DESIGN "Encrypted in transit"): the bytes never reach a network.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}

/** A base URL that is `https:`, or `http:` on a loopback host; anything else is not. */
export function isSecureBaseUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
}
