/**
 * Who gave the answer: a region's API (to a device, a CLI or another region), or a card network's
 * router (to an acquirer).
 */
export type PeerKind = 'region' | 'network-router';

/**
 * What was wrong with a peer's answer. A closed set, so a `PEER_MALFORMED` error never carries
 * the peer's own words, which could hold anything (a card number echoed back, a proxy's page).
 * - `not-json`: the body, or one event of a stream, is not JSON;
 * - `schema`: JSON, but not the shape the protocol gives this answer;
 * - `error-body`: an error status whose body is not a Domicile error;
 * - `no-body`: no body where the protocol requires one (an event stream);
 * - `mismatch`: well-formed, but not an answer to what was asked (a session or credential for
 *   another card, eligibility without terms).
 */
export type PeerMalformation = 'not-json' | 'schema' | 'error-body' | 'no-body' | 'mismatch';

/** The `details` of a `PEER_MALFORMED` error: nothing else goes there. */
export interface PeerMalformedDetails {
  readonly peer: PeerKind;
  readonly what: PeerMalformation;
  /** The region that answered, when the peer is a region and the caller knows its id. */
  readonly region?: string;
  /** The answer's HTTP status, when it is part of the story (an `error-body`). */
  readonly status?: number;
}
