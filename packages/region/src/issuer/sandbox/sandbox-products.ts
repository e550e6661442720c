import type { api } from '@domicile/protocol';
import type { CardProduct } from '../issuer-gateway.js';

/** A sandbox card product, with the ID&V methods its (fictional) issuer offers. */
export interface SandboxProduct extends CardProduct {
  readonly idvMethods: readonly api.IdvMethod[];
}

function terms(id: string, issuer: string): { id: string; text: string } {
  return {
    id,
    text:
      `${issuer} (sandbox) — wallet terms ${id}. This is a test card product: it moves no money. ` +
      'By adding the card to your wallet you let the wallet use a device-specific token in place of your card number.',
  };
}

function idv(phone: string, email: string, app: string): readonly api.IdvMethod[] {
  return [
    { id: 'sms', kind: 'otp_sms', target: `•••• ${phone}` },
    { id: 'email', kind: 'otp_email', target: email },
    { id: 'app', kind: 'issuer_app', target: app },
  ];
}

/**
 * The sandbox issuers' card products, by id. Names, phone numbers (the reserved 555-01xx and
 * drama ranges) and `.example` domains are fictional.
 */
export const SANDBOX_PRODUCTS: ReadonlyMap<string, SandboxProduct> = new Map(
  [
    {
      id: 'us-liberty-visa',
      issuerName: 'Liberty Sandbox Bank',
      phone: '+1 800 555 0100',
      email: 'help@liberty-bank.example',
      website: 'https://liberty-bank.example',
      termsUrl: 'https://liberty-bank.example/wallet-terms',
      terms: terms('liberty-wallet-2025-01', 'Liberty Sandbox Bank'),
      art: { background: '#1d3557', foreground: '#f1faee', label: 'Liberty Visa Classic' },
      idvMethods: idv('0199', 'j•••@mail.example', 'Liberty Bank app'),
    },
    {
      id: 'us-prairie-mastercard',
      issuerName: 'Prairie Sandbox Credit Union',
      phone: '+1 800 555 0111',
      email: 'cards@prairie-cu.example',
      website: 'https://prairie-cu.example',
      termsUrl: 'https://prairie-cu.example/wallet-terms',
      terms: terms('prairie-wallet-2025-02', 'Prairie Sandbox Credit Union'),
      art: { background: '#bc6c25', foreground: '#fefae0', label: 'Prairie World Mastercard' },
      idvMethods: idv('0142', 'j•••@mail.example', 'Prairie CU app'),
    },
    {
      id: 'eu-lumiere-visa',
      issuerName: 'Banque Lumière Sandbox',
      phone: '+33 1 99 00 12 34',
      email: 'aide@banque-lumiere.example',
      website: 'https://banque-lumiere.example',
      termsUrl: 'https://banque-lumiere.example/conditions-wallet',
      terms: terms('lumiere-wallet-2025-01', 'Banque Lumière Sandbox'),
      art: { background: '#3a0ca3', foreground: '#ffffff', label: 'Lumière Visa Premier' },
      idvMethods: idv('0177', 'e•••@post.example', 'Lumière app'),
    },
    {
      id: 'eu-nordlicht-mastercard',
      issuerName: 'Nordlicht Sandbox Sparkasse',
      phone: '+49 30 99 00 00 10',
      email: 'karte@nordlicht.example',
      website: 'https://nordlicht.example',
      termsUrl: 'https://nordlicht.example/wallet-bedingungen',
      terms: terms('nordlicht-wallet-2025-03', 'Nordlicht Sandbox Sparkasse'),
      art: { background: '#2a9d8f', foreground: '#f8f9fa', label: 'Nordlicht Mastercard Gold' },
      idvMethods: idv('0155', 'e•••@post.example', 'Nordlicht app'),
    },
    {
      id: 'cn-jade-unionpay',
      issuerName: 'Jade River Sandbox Bank',
      phone: '+86 10 5555 0100',
      email: 'service@jade-river.example',
      website: 'https://jade-river.example',
      termsUrl: 'https://jade-river.example/wallet-terms',
      terms: terms('jade-wallet-2025-01', 'Jade River Sandbox Bank'),
      art: { background: '#006d5b', foreground: '#fdf0d5', label: 'Jade River UnionPay' },
      idvMethods: idv('0188', 'z•••@mail.example', 'Jade River app'),
    },
    {
      id: 'cn-peony-unionpay',
      issuerName: 'Peony Sandbox Bank',
      phone: '+86 21 5555 0122',
      email: 'care@peony-bank.example',
      website: 'https://peony-bank.example',
      termsUrl: 'https://peony-bank.example/wallet-terms',
      terms: terms('peony-wallet-2025-02', 'Peony Sandbox Bank'),
      art: { background: '#9d0208', foreground: '#ffd166', label: 'Peony Platinum UnionPay' },
      idvMethods: idv('0166', 'z•••@mail.example', 'Peony Bank app'),
    },
  ].map((p): [string, SandboxProduct] => [p.id, p]),
);

/** The product without its sandbox-only fields: what the gateway hands out. */
export function toCardProduct(product: SandboxProduct): CardProduct {
  const { id, issuerName, phone, email, website, termsUrl, terms, art } = product;
  return { id, issuerName, phone, email, website, termsUrl, terms, art };
}
