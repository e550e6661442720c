const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * The form in which a DPoP proof's `htu` is compared with the URI of the request (RFC 9449 §4.3
 * check 9: without query and fragment, after syntax- and scheme-based normalization, RFC 3986
 * §6.2.2 and §6.2.3): scheme and host in lower case, no default port, dot segments removed, an
 * empty path as `/`, percent-encoded unreserved characters decoded and other percent-encodings
 * in upper case. Undefined for anything but an absolute http(s) URI.
 */
export function normalizeHtu(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // The WHATWG parser has done case, port and dot segments; percent-encodings are left as sent.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

/** Whether a proof's `htu` names the request's URI (RFC 9449 §4.3 check 9). */
export function htuMatches(htu: string, requestUri: string): boolean {
  const proof = normalizeHtu(htu);
  return proof !== undefined && proof === normalizeHtu(requestUri);
}
