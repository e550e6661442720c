import { Type, type Static } from '@sinclair/typebox';

/** `GET /v1/directory` — the signed directory this region serves (the device verifies it). */
export const DirectoryResponse = Type.Object({
  directory: Type.String({ contentMediaType: 'application/jose' }),
});
export type DirectoryResponse = Static<typeof DirectoryResponse>;
