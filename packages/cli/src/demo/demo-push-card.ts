import { describeStep } from '@domicile/device';
import {
  DomicileError,
  makePushPayload,
  maskCardNumber,
  verifyDirectory,
} from '@domicile/protocol';
import type { TestCard } from '@domicile/region';
import type { DemoScene } from './demo-story.js';

/**
 * "Add to Wallet" in the bank's app: the card's issuer makes a push payload for this wallet (the
 * card sealed to its region's key, signed with the issuer's key), and the wallet adds the card
 * from it, without typing the number and without a one-time code even though the issuer's
 * decision is yellow: the owning region takes the issuer's signature as the identity check.
 */
export async function addPushedCard(scene: DemoScene, card: TestCard): Promise<string> {
  const { deployment, wallet, out } = scene;
  const issuer = deployment.sandboxIssuer(card.region);
  const made = await makePushPayload({
    issuerId: issuer.issuerId,
    issuerKey: issuer.privateJwk,
    directory: await verifyDirectory(deployment.directoryJws, deployment.authorityKey),
    card: { pan: card.pan, expiry: card.expiry, cvv: card.cvv, name: card.name },
    network: card.network,
    deviceJkt: wallet.deviceJkt,
  });
  out(
    `      ${issuer.issuerId}'s app: push payload for ${maskCardNumber(card.pan)}, card sealed to ${made.region}'s key ${made.encryptedTo}, bound to this wallet, until ${made.expiresAt.toISOString()}`,
  );
  const noCode = (): never => {
    throw new DomicileError('INTERNAL', {
      details: { reason: 'a card pushed by its issuer asked for a one-time code' },
    });
  };
  const view = await wallet.addCard(
    { pushPayload: made.payload },
    {
      acceptTerms: () => Promise.resolve(true),
      chooseIdvMethod: noCode,
      readOtp: noCode,
      onStep: (e) => out(`      ${describeStep(e)}`),
    },
    // As `addCard` in demo-story: the bound only ends a wait that is stuck.
    { activationTimeoutMs: 120_000 },
  );
  if (view.state !== 'active')
    throw new DomicileError('SCRIPT_NOT_READY', {
      details: { card: card.pan.slice(-4), state: view.state },
    });
  out(`      no one-time code asked: ${made.region} took ${issuer.issuerId}'s signature as ID&V`);
  return view.tokenRef;
}
