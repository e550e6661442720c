import type { Command } from 'commander';
import { parseCardInput } from '@domicile/device';
import { DomicileError, api, makePushPayload, verifyDirectory } from '@domicile/protocol';
import { paths, readAuthorityPublicKey, readDirectory } from '../deployment/deployment-files.js';
import { readSandboxIssuerKey } from '../deployment/sandbox-issuers.js';
import { writeNewFile } from '../deployment/write-new-file.js';
import type { CliIo } from '../io/index.js';
import { cardOf, readJsonFile } from './card-file.js';

interface PushPayloadOpts {
  keyFile: string;
  card: string;
  account: string;
  dir: string;
  out: string;
  lifetime?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * Adds `issuer push-payload` to the `issuer` command: what an issuer's backend makes when its app's
 * "Add to Wallet" is tapped — the card sealed to the owning region's directory key, signed with the
 * issuer's key, bound to the wallet's device key, short-lived and single use
 * (`makePushPayload`, which an issuer's own backend calls the same way).
 */
export function registerIssuerPushPayloadCommands(program: Command, io: CliIo): Command {
  const issuer = program.commands.find((c) => c.name() === 'issuer') ?? program.command('issuer');
  issuer
    .command('push-payload')
    .description(
      "make a push payload for one card and one wallet (`device add-card --push-payload`): the card encrypted to its region's directory key, signed with the issuer key",
    )
    .requiredOption(
      '--key-file <file>',
      'the issuer key file ({ issuerId, region, privateJwk }), the key the owning region trusts',
    )
    .requiredOption('--card <file>', 'card JSON file { pan, expiry: "MM/YY", cvv, name }, or -')
    .requiredOption(
      '--account <jkt>',
      "the wallet's account reference: its device key thumbprint (`device create` prints it)",
    )
    .requiredOption(
      '--dir <dir>',
      'deployment folder (directory.jws, keys/authority.public.jwk.json): where the card goes and its key',
    )
    .requiredOption('--out <file>', 'where to write the push payload (mode 600)')
    .option(
      '--lifetime <seconds>',
      `how long it may be used (at most ${api.PUSH_PAYLOAD_MAX_LIFETIME_SECONDS})`,
      String(api.PUSH_PAYLOAD_LIFETIME_SECONDS),
    )
    .option('--force', 'replace the file if it exists')
    .option('--json', 'print JSON')
    .action(async (opts: PushPayloadOpts) => {
      const key = await readSandboxIssuerKey(opts.keyFile);
      const { details, network } = parseCardInput(
        cardOf(await readJsonFile(opts.card, 'card', io)),
      );
      const directory = await verifyDirectory(
        await readDirectory(paths.directory(opts.dir)),
        await readAuthorityPublicKey(paths.authorityPublic(opts.dir)),
      );
      const lifetimeSeconds = Number(opts.lifetime);
      if (!Number.isInteger(lifetimeSeconds))
        throw new DomicileError('VALIDATION_FAILED', {
          details: { field: 'lifetime', reason: 'whole seconds' },
        });
      const made = await makePushPayload({
        issuerId: key.issuerId,
        issuerKey: key.privateJwk,
        directory,
        card: details,
        network,
        deviceJkt: opts.account,
        lifetimeSeconds,
      });
      // Mode 600: it adds a card to the wallet it names, once, for a few minutes.
      await writeNewFile(opts.out, `${made.payload}\n`, {
        mode: 0o600,
        force: opts.force === true,
      });
      const result = {
        file: opts.out,
        issuer: key.issuerId,
        region: made.region,
        last4: made.last4,
        account: opts.account,
        encryptedTo: made.encryptedTo,
        expiresAt: made.expiresAt.toISOString(),
      };
      io.print(opts, result, (r) => [
        `push payload for card •••• ${r.last4} written to ${r.file}: signed by ${r.issuer}, for region ${r.region} (card sealed to ${r.encryptedTo}), wallet ${r.account}, until ${r.expiresAt}`,
        `the wallet adds it: domicile device add-card --wallet <wallet> --push-payload ${r.file}`,
      ]);
    });
  return issuer;
}
