import { join } from 'node:path';
import { Wallet } from '@domicile/device';
import { DomicileError, maskCardNumber } from '@domicile/protocol';
import type { TestCard } from '@domicile/region';
import { addCard, pay, type DemoScene } from './demo-story.js';

/**
 * The watch joins Jane's account: it asks the home region, both devices show the same short code,
 * the phone signs an approval bound to the watch's key and that code. The watch then adds the cn
 * card Jane already has on her phone: a second token, its own applet, in the same guest account
 * at cn. Returns the watch's wallet and its token.
 */
export async function joinWatchAndAddCard(
  scene: DemoScene,
  options: { dir: string; passphrase: string; card: TestCard },
): Promise<{ watch: Wallet; tokenRef: string }> {
  const { deployment, wallet: phone, out } = scene;
  const accountId = phone.account?.accountId;
  if (accountId === undefined) throw new DomicileError('WALLET_NOT_REGISTERED');
  const watch = await Wallet.create({
    path: join(options.dir, 'watch.wallet'),
    passphrase: options.passphrase,
    authorityKey: deployment.authorityKey,
    bootstrapUrl: deployment.baseUrl(phone.homeRegion),
    homeRegion: phone.homeRegion,
  });
  const asked = await watch.requestJoin({ accountId, method: 'approval', model: 'demo-watch' });
  out(`      watch: asks to join account ${accountId}; it shows the code ${asked.code ?? '?'}`);
  const listed = (await phone.joinRequests()).find((r) => r.id === asked.id);
  out(
    `      phone: a join request from ${listed?.model ?? '?'} with the code ${listed?.code ?? '?'}`,
  );
  await phone.decideJoin({ joinRequestId: asked.id, code: asked.code ?? '' });
  const joined = await watch.completeJoin({ timeoutMs: 10_000 });
  if (joined.account === undefined)
    throw new DomicileError('JOIN_REQUEST_CLOSED', {
      details: { state: joined.joinRequest.state },
    });
  out(
    `      phone: approved (signed with its own key); the watch is device ${joined.account.deviceId}`,
  );
  out(`      watch: adds the cn card ${maskCardNumber(options.card.pan)} — a token of its own`);
  const tokenRef = await addCard({ ...scene, wallet: watch }, options.card);
  for (const d of await phone.devices())
    out(`      account device ${d.id} ${d.model ?? ''} ${d.state}${d.current ? ' (phone)' : ''}`);
  return { watch, tokenRef };
}

/** The watch pays with its own token (after the phone was lost: only the phone's tokens stopped). */
export async function payWithWatch(
  scene: DemoScene,
  watch: Wallet,
  tokenRef: string,
): Promise<void> {
  const { answer } = await pay(
    { ...scene, wallet: watch },
    {
      tokenRef,
      amountMinor: 3200,
      currency: 'CNY',
      country: 'CN',
      channel: 'in_store',
      merchant: { id: 'noodle-bar', name: 'Noodle Bar' },
    },
  );
  if (!answer.approved)
    throw new DomicileError('INTERNAL', { details: { reason: 'the watch could not pay' } });
}
