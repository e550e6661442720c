import type { CardNetwork } from '@domicile/protocol';

/** What the sandbox issuer does with a test card. */
export type TestCardOutcome = 'green' | 'yellow' | 'red' | 'unsupported';

/** A documented sandbox test card. Test numbers only: they move no money anywhere. */
export interface TestCard {
  readonly region: string;
  readonly pan: string;
  readonly cvv: string;
  readonly expiry: { readonly month: number; readonly year: number };
  readonly name: string;
  readonly network: CardNetwork;
  readonly outcome: TestCardOutcome;
  readonly description: string;
  /** The sandbox product; absent on `unsupported` cards, whose issuer does not take part. */
  readonly productId?: string;
  /** The decline reason of a `red` card. */
  readonly reason?: string;
  /** Provisions, but the issuer declines every authorization: `account_closed`. */
  readonly closedAccount?: true;
  /**
   * The card this one renews: what an issuer reissues a token of that card to (a new number and
   * expiry). Not a card of its own for seeding.
   */
  readonly replaces?: string;
}

/**
 * How the sandbox issuer authorizes payments with a provisioned test card: approved up to this
 * amount in minor units of the transaction's currency (1,000.00 USD, EUR, CNY…); a larger amount
 * declines for insufficient funds. A card with `closedAccount` declines every payment.
 */
export const SANDBOX_SPEND_LIMIT_MINOR = 100_000;

const EXPIRY = { month: 12, year: 2030 } as const;
const PAYS = 'Pays up to 1,000.00; more declines (insufficient_funds).';
const GREEN = `Approved at once (green): terms, card details, done. ${PAYS}`;
const YELLOW = `ID&V needed (yellow): the one-time code goes to the sandbox outbox. ${PAYS}`;
const CLOSED =
  'Approved at once (green), but the account is closed: every payment declines (account_closed).';
const UNSUPPORTED = 'The issuer does not take part in wallets: CARD_NOT_SUPPORTED.';
const declined = (reason: string) =>
  ({ outcome: 'red', description: `Declined (red): "${reason}"`, reason }) as const;
const US = { region: 'us', expiry: EXPIRY, name: 'Jane Doe' } as const;
const EU = { region: 'eu', expiry: EXPIRY, name: 'Erika Mustermann' } as const;
const CN = { region: 'cn', expiry: EXPIRY, name: 'Zhang San' } as const;

/**
 * The sandbox issuer's test cards, per sample region of `config/regions.yaml`. Every number is
 * Luhn-valid, inside its region's routing ranges, and unique by its first 6 digits and last 4,
 * so a device revealing only a 6-digit routing prefix still names one card.
 */
export const TEST_CARDS: readonly TestCard[] = [
  {
    ...US,
    pan: '4111111111111111',
    cvv: '123',
    network: 'visa',
    outcome: 'green',
    description: GREEN,
    productId: 'us-liberty-visa',
  },
  {
    ...US,
    pan: '5100123456780053',
    cvv: '234',
    network: 'mastercard',
    outcome: 'green',
    description: GREEN,
    productId: 'us-prairie-mastercard',
  },
  {
    ...US,
    pan: '4000555566660028',
    cvv: '345',
    network: 'visa',
    outcome: 'yellow',
    description: YELLOW,
    productId: 'us-liberty-visa',
  },
  {
    ...US,
    pan: '4000999900000030',
    cvv: '456',
    network: 'visa',
    ...declined('The card is reported lost.'),
    productId: 'us-liberty-visa',
  },
  {
    ...US,
    pan: '4400001234560049',
    cvv: '567',
    network: 'visa',
    outcome: 'unsupported',
    description: UNSUPPORTED,
  },
  {
    ...US,
    pan: '4000777712345672',
    cvv: '678',
    network: 'visa',
    outcome: 'green',
    description: CLOSED,
    productId: 'us-liberty-visa',
    closedAccount: true,
  },
  {
    ...US,
    expiry: { month: 12, year: 2032 },
    pan: '4111110000002019',
    cvv: '789',
    network: 'visa',
    outcome: 'green',
    description: `The renewed card an issuer reissues 4111 1111 1111 1111 to (a new number and expiry 12/2032): ${GREEN}`,
    productId: 'us-liberty-visa',
    replaces: '4111111111111111',
  },
  {
    ...EU,
    pan: '4500123456781019',
    cvv: '321',
    network: 'visa',
    outcome: 'green',
    description: GREEN,
    productId: 'eu-lumiere-visa',
  },
  {
    ...EU,
    pan: '5300123456781059',
    cvv: '432',
    network: 'mastercard',
    outcome: 'green',
    description: GREEN,
    productId: 'eu-nordlicht-mastercard',
  },
  {
    ...EU,
    pan: '4500555566661021',
    cvv: '543',
    network: 'visa',
    outcome: 'yellow',
    description: YELLOW,
    productId: 'eu-lumiere-visa',
  },
  {
    ...EU,
    pan: '4700999900001031',
    cvv: '654',
    network: 'visa',
    ...declined('The account is closed.'),
    productId: 'eu-lumiere-visa',
  },
  {
    ...EU,
    pan: '4799001234561046',
    cvv: '765',
    network: 'visa',
    outcome: 'unsupported',
    description: UNSUPPORTED,
  },
  {
    ...EU,
    pan: '4700777712345675',
    cvv: '876',
    network: 'visa',
    outcome: 'green',
    description: CLOSED,
    productId: 'eu-lumiere-visa',
    closedAccount: true,
  },
  {
    ...CN,
    pan: '6200123456782015',
    cvv: '135',
    network: 'unionpay',
    outcome: 'green',
    description: GREEN,
    productId: 'cn-jade-unionpay',
  },
  {
    ...CN,
    pan: '6230123456782050',
    cvv: '246',
    network: 'unionpay',
    outcome: 'green',
    description: GREEN,
    productId: 'cn-peony-unionpay',
  },
  {
    ...CN,
    pan: '6210555566662025',
    cvv: '357',
    network: 'unionpay',
    outcome: 'yellow',
    description: YELLOW,
    productId: 'cn-jade-unionpay',
  },
  {
    ...CN,
    pan: '6220999900002035',
    cvv: '468',
    network: 'unionpay',
    ...declined('The card is frozen by the issuer.'),
    productId: 'cn-jade-unionpay',
  },
  {
    ...CN,
    pan: '6299001234562044',
    cvv: '579',
    network: 'unionpay',
    outcome: 'unsupported',
    description: UNSUPPORTED,
  },
  {
    ...CN,
    pan: '6200777712345675',
    cvv: '680',
    network: 'unionpay',
    outcome: 'green',
    description: CLOSED,
    productId: 'cn-jade-unionpay',
    closedAccount: true,
  },
];

const NETWORK_NAMES: Record<CardNetwork, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  amex: 'American Express',
};

/** The test cards as a Markdown table (the README includes it), in the order given. */
export function renderTestCardsMarkdown(cards: readonly TestCard[] = TEST_CARDS): string {
  const rows = cards.map((c) => [
    c.region,
    `\`${c.pan.replace(/(\d{4})(?=\d)/g, '$1 ')}\``,
    NETWORK_NAMES[c.network],
    `${String(c.expiry.month).padStart(2, '0')}/${c.expiry.year}`,
    `\`${c.cvv}\``,
    c.name,
    c.outcome,
    c.description.replaceAll('|', '\\|'),
  ]);
  const header = [
    'Region',
    'Card number',
    'Network',
    'Expiry',
    'CVV',
    'Name',
    'Outcome',
    'What happens',
  ];
  return (
    [header, header.map(() => '---'), ...rows]
      .map((cells) => `| ${cells.join(' | ')} |`)
      .join('\n') + '\n'
  );
}
