import { api, generateKeyPairJwk } from '@domicile/protocol';
import { openDatabase } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { describeSignedRequestContract } from '../signed-request.contract.js';
import { activePrivateJwk } from '../../keys/index.js';
import { newJti, signerDirectory } from '../signed-request.fixtures.js';
import { recordSingleUseId } from '../single-use-ids.js';
import { verifyLostDeviceRequest } from './region-request.js';

describeSignedRequestContract({
  name: 'region-to-region request',
  setup: async () => {
    const { directory, regions } = await signerDirectory();
    const db = await openDatabase('sqlite::memory:');
    const us = regions.get('us');
    if (us === undefined) throw new Error('no us region in the fixture');
    return {
      policy: FRESHNESS.regionRequest,
      codes: {
        invalid: 'REGION_REQUEST_INVALID',
        unknownKey: 'REGION_REQUEST_INVALID',
        audience: 'REGION_REQUEST_AUDIENCE',
        expired: 'REGION_REQUEST_EXPIRED',
        future: 'REGION_REQUEST_INVALID',
        replayed: 'REGION_REQUEST_REPLAYED',
      },
      key: activePrivateJwk(us, 'signing'),
      claims: (iat) => ({
        iss: 'us',
        aud: 'cn',
        iat,
        exp: iat + 120,
        jti: newJti(),
        reportId: 'report-0123456789',
        pseudonym: 'p'.repeat(43),
        deviceJkt: 'j'.repeat(43),
      }),
      header: (key) => ({ typ: api.REGION_REQUEST_TYP, kid: key.kid }),
      elsewhere: (claims) => ({ ...claims, aud: 'eu' }),
      stranger: async (claims) => ({
        claims: { ...claims, iss: 'zz' },
        key: (await generateKeyPairJwk('sig')).privateJwk,
      }),
      submit: async (jws, now) => {
        const verified = await verifyLostDeviceRequest({ jws, directory, self: 'cn', now });
        await recordSingleUseId(db, verified.singleUse);
      },
      close: () => db.destroy(),
    };
  },
});
