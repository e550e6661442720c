import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @peculiar/x509 resolves its ASN.1 parsers through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate authority made for one test run: its key never leaves memory. */
export interface ThrowawayCa {
  readonly name: string;
  /** The CA certificate, PEM, as a trust anchor file holds it. */
  readonly certPem: string;
  readonly keys: CryptoKeyPair;
}

/** A certificate and key issued by a {@link ThrowawayCa}, PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

/** A new self-signed CA, valid from a minute ago for a day. */
export async function createThrowawayCa(name: string): Promise<ThrowawayCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, certPem: cert.toString('pem'), keys };
}

/**
 * A leaf certificate for this machine (DNS `localhost`, IP 127.0.0.1 and ::1), good for both
 * ends of a connection: servers present it, and the same process presents it as a TLS client.
 */
export async function issueCertificate(ca: ThrowawayCa, name: string): Promise<IssuedCertificate> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: `CN=${ca.name}`,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** TLS files for tests: a CA, a certificate and key it issued (mode 0600), as paths. */
export interface ThrowawayTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Writes a fresh CA and a localhost certificate to `dir`: no private key is ever committed to
 * the repository, each test run makes its own.
 */
export async function writeThrowawayTls(
  dir: string,
  name = 'domicile-test',
): Promise<ThrowawayTlsFiles> {
  const ca = await createThrowawayCa(`${name} CA`);
  const leaf = await issueCertificate(ca, name);
  const files = {
    caFile: join(dir, `${name}-ca.pem`),
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}-key.pem`),
  };
  await writeFile(files.caFile, ca.certPem);
  await writeFile(files.certFile, leaf.certPem);
  await writeFile(files.keyFile, leaf.keyPem, { mode: 0o600 });
  return files;
}
