import { describe, expect, it } from 'vitest';
import { htuMatches, normalizeHtu } from './htu.js';

describe('normalizeHtu (RFC 9449 §4.3, RFC 3986 §6.2.2–6.2.3)', () => {
  it('lowers scheme and host, drops the default port, query and fragment, removes dot segments', () => {
    expect(normalizeHtu('HTTPS://Region.Example:443/v1/./a/../provisioning?x=1#top')).toBe(
      'https://region.example/v1/provisioning',
    );
    expect(normalizeHtu('http://127.0.0.1:80')).toBe('http://127.0.0.1/');
    expect(normalizeHtu('http://127.0.0.1:7101/v1/%2e%2e/v1/x')).toBe('http://127.0.0.1:7101/v1/x');
  });

  it('decodes percent-encoded unreserved characters and upper-cases the others', () => {
    expect(normalizeHtu('http://h/%7e%41b%2fc%3a')).toBe('http://h/~Ab%2Fc%3A');
  });

  it('keeps what makes two URIs different: path case, port, scheme', () => {
    expect(normalizeHtu('http://h/V1')).not.toBe(normalizeHtu('http://h/v1'));
    expect(normalizeHtu('http://h:8080/')).not.toBe(normalizeHtu('http://h/'));
    expect(normalizeHtu('https://h/')).not.toBe(normalizeHtu('http://h/'));
  });

  it('gives nothing for a relative or non-http URI', () => {
    expect(normalizeHtu('/v1/provisioning')).toBeUndefined();
    expect(normalizeHtu('ftp://h/v1')).toBeUndefined();
    expect(normalizeHtu('not a uri')).toBeUndefined();
  });
});

describe('htuMatches', () => {
  it('matches equivalent URIs and nothing else', () => {
    const request = 'http://127.0.0.1:7101/v1/provisioning';
    expect(htuMatches('HTTP://127.0.0.1:7101/v1/provisioning?after=3', request)).toBe(true);
    expect(htuMatches('http://127.0.0.1:7101/v1/credentials/../provisioning', request)).toBe(true);
    expect(htuMatches('http://127.0.0.1:7101/v1/provisioning/', request)).toBe(false);
    expect(htuMatches('http://127.0.0.1:7102/v1/provisioning', request)).toBe(false);
    expect(htuMatches('garbage', 'garbage')).toBe(false);
  });
});
