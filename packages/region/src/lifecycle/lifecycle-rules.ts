import { DomicileError, type api } from '@domicile/protocol';

/** What the rules need to know of a credential. */
export interface LifecycleSnapshot {
  readonly state: api.CredentialState;
  /** While suspended: who suspended it (null when unknown, e.g. suspended before it was recorded). */
  readonly suspendedBy: api.LifecycleActor | null;
  /** While suspended: the state to resume to. */
  readonly resumeState: api.ResumedState | null;
}

/** What an action does to a credential. */
export type Transition =
  /** Nothing changes on the token; a stronger actor suspending again takes over the suspension. */
  | { readonly kind: 'unchanged'; readonly suspendedBy?: api.LifecycleActor }
  | {
      readonly kind: 'change';
      readonly to: api.CredentialState;
      readonly suspendedBy: api.LifecycleActor | null;
      readonly resumeState: api.ResumedState | null;
    };

// Authority rises from the user's device, to the region acting on a lost-device report, to the issuer.
const RANK: Readonly<Record<api.LifecycleActor, number>> = { device: 0, system: 1, issuer: 2 };

/**
 * The lifecycle rules (docs/lifecycle.md):
 * - suspend: active or pending_activation → suspended (the old state is kept to resume to); a
 *   token not yet active may be suspended too, so a device reported lost cannot finish activating it;
 * - resume: suspended → the state it had, only by an actor at least as strong as the suspender;
 *   failing closed when the record is incomplete: an unknown suspender counts as the issuer, and
 *   an unknown earlier state resumes to pending_activation (the device must activate it again);
 * - delete: any state → deleted, final;
 * - asking for the state a token already has changes nothing (idempotent);
 * - nothing but delete applies to a deleted token: `CREDENTIAL_STATE`.
 */
export function planTransition(
  current: LifecycleSnapshot,
  action: api.LifecycleAction,
  actor: api.LifecycleActor,
): Transition {
  if (current.state === 'deleted') {
    if (action === 'delete') return { kind: 'unchanged' };
    throw new DomicileError('CREDENTIAL_STATE', { details: { state: current.state } });
  }
  switch (action) {
    case 'delete':
      return { kind: 'change', to: 'deleted', suspendedBy: null, resumeState: null };
    case 'suspend':
      if (current.state !== 'suspended')
        return { kind: 'change', to: 'suspended', suspendedBy: actor, resumeState: current.state };
      return RANK[actor] > RANK[suspenderOf(current)]
        ? { kind: 'unchanged', suspendedBy: actor }
        : { kind: 'unchanged' };
    case 'resume': {
      if (current.state !== 'suspended') return { kind: 'unchanged' };
      const suspender = suspenderOf(current);
      if (RANK[actor] < RANK[suspender])
        throw new DomicileError('RESUME_NOT_ALLOWED', { details: { suspendedBy: suspender } });
      return {
        kind: 'change',
        to: current.resumeState ?? 'pending_activation',
        suspendedBy: null,
        resumeState: null,
      };
    }
  }
}

/** Who suspended a token; unknown is taken as the strongest actor, so that no weaker one can lift it. */
function suspenderOf(current: LifecycleSnapshot): api.LifecycleActor {
  return current.suspendedBy ?? 'issuer';
}

/** Reads an actor stored as text; anything else is unknown (null). */
export function actorOf(value: string | null): api.LifecycleActor | null {
  return value === 'device' || value === 'system' || value === 'issuer' ? value : null;
}

/** Reads a resume state stored as text; anything else is unknown (null). */
export function resumeStateOf(value: string | null): api.ResumedState | null {
  return value === 'active' || value === 'pending_activation' ? value : null;
}
