import type { Directory, KeyRole, PublicJwk } from '@domicile/protocol';

/**
 * The directory's public key of `region` for `role` with this `kid`, or undefined when it lists
 * none. The one place the residency report looks keys up in the directory: by `kid`, so a
 * directory listing several keys per region and purpose resolves the one that signed.
 */
export function directoryKeyByKid(
  directory: Directory,
  region: string,
  role: KeyRole,
  kid: string,
): PublicJwk | undefined {
  const key = directory.key(region, role);
  return key?.kid === kid ? key : undefined;
}
