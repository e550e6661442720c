import { TYP, generateKeyPairJwk } from '@domicile/protocol';
import { openDatabase } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { describeSignedRequestContract } from '../signed-request.contract.js';
import { activePrivateJwk } from '../../keys/index.js';
import { newJti, signerDirectory } from '../signed-request.fixtures.js';
import { recordSingleUseId } from '../single-use-ids.js';
import { verifyRedirectAssertion } from './redirect-assertion.js';

const DEVICE_JKT = 'j'.repeat(43);
const MESSAGE = { routingPrefix: '62123456', last4: '0005' };

describeSignedRequestContract({
  name: 'redirect assertion',
  setup: async () => {
    const { directory, regions } = await signerDirectory();
    const db = await openDatabase('sqlite::memory:');
    const us = regions.get('us');
    if (us === undefined) throw new Error('no us region in the fixture');
    return {
      policy: FRESHNESS.redirectAssertion,
      codes: {
        invalid: 'ASSERTION_INVALID',
        unknownKey: 'ASSERTION_INVALID',
        audience: 'ASSERTION_AUDIENCE',
        expired: 'ASSERTION_EXPIRED',
        future: 'ASSERTION_INVALID',
        replayed: 'ASSERTION_REPLAYED',
      },
      key: activePrivateJwk(us, 'signing'),
      claims: (iat) => ({
        iss: 'us',
        aud: 'cn',
        sub: 'subject-0123456789abcdef',
        jti: newJti(),
        iat,
        exp: iat + 120,
        cnf: { jkt: DEVICE_JKT },
        msg: MESSAGE,
        standing: { registeredSince: 1_700_000_000, activeCredentials: 1, canTransact: true },
      }),
      header: (key) => ({ typ: TYP.redirectAssertion, kid: key.kid }),
      elsewhere: (claims) => ({ ...claims, aud: 'eu' }),
      stranger: async (claims) => ({
        claims: { ...claims, iss: 'zz' },
        key: (await generateKeyPairJwk('sig')).privateJwk,
      }),
      submit: async (assertion, now) => {
        const verified = await verifyRedirectAssertion({
          assertion,
          directory,
          self: 'cn',
          deviceJkt: DEVICE_JKT,
          message: MESSAGE,
          now,
        });
        await recordSingleUseId(db, verified.singleUse);
      },
      close: () => db.destroy(),
    };
  },
});
