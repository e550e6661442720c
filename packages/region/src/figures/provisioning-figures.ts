import type { Kysely } from 'kysely';
import { auditDetailColumn } from '../audit/index.js';
import type { Database } from '../storage/index.js';
import { utcDayStart } from './day-start.js';

/** The provisioning decisions an issuer gives. */
export const DECISIONS = ['green', 'yellow', 'red'] as const;

/** Today's provisioning funnel, from the first message to the token. */
export interface ProvisioningFunnel {
  /** Provisioning messages answered: a redirect issued or a session opened. */
  readonly messages: number;
  readonly redirectsIssued: number;
  readonly redirectsAccepted: number;
  readonly decisions: Readonly<Record<(typeof DECISIONS)[number], number>>;
  readonly codesSent: number;
  readonly codesVerified: number;
  readonly tokensMade: number;
}

/** The funnel's stages as metric labels, in funnel order. */
export function funnelStages(funnel: ProvisioningFunnel): [string, number][] {
  return [
    ['messages', funnel.messages],
    ['redirects_issued', funnel.redirectsIssued],
    ['redirects_accepted', funnel.redirectsAccepted],
    ...DECISIONS.map((d): [string, number] => [`decision_${d}`, funnel.decisions[d]]),
    ['codes_sent', funnel.codesSent],
    ['codes_verified', funnel.codesVerified],
    ['tokens_made', funnel.tokensMade],
  ];
}

const FUNNEL_ACTIONS = [
  'redirect.issued',
  'redirect.accepted',
  'session.opened',
  'idv.code_sent',
  'idv.verified',
  'credential.tokenized',
] as const;

/**
 * Today's (UTC) provisioning funnel, read from the audit log: every step writes its row in the
 * commit that makes it, so the funnel counts what happened, on whichever node, and survives
 * restarts (the in-process step counters do not). The one read behind
 * `domicile_provisioning_today` and the console's funnel.
 */
export async function readProvisioningFunnel(
  db: Kysely<Database>,
  now: () => Date,
): Promise<ProvisioningFunnel> {
  const since = utcDayStart(now());
  const rows = await db
    .selectFrom('audit_log')
    .select((eb) => ['action', eb.fn.countAll<number | string>().as('n')])
    .where('at', '>=', since)
    .where('action', 'in', FUNNEL_ACTIONS)
    .groupBy('action')
    .execute();
  const n = (action: (typeof FUNNEL_ACTIONS)[number]): number =>
    Number(rows.find((r) => r.action === action)?.n ?? 0);
  // The decision is in the row's detail: read those of today only.
  const decided = await db
    .selectFrom('audit_log')
    .select('detail')
    .where('at', '>=', since)
    .where('action', '=', 'eligibility.decided')
    .execute();
  const decisions = { green: 0, yellow: 0, red: 0 };
  for (const { detail } of decided) {
    const decision = auditDetailColumn.decode(detail)['decision'];
    if (decision === 'green' || decision === 'yellow' || decision === 'red')
      decisions[decision] += 1;
  }
  return {
    messages: n('redirect.issued') + n('session.opened'),
    redirectsIssued: n('redirect.issued'),
    redirectsAccepted: n('redirect.accepted'),
    decisions,
    codesSent: n('idv.code_sent'),
    codesVerified: n('idv.verified'),
    tokensMade: n('credential.tokenized'),
  };
}
