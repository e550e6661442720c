import { describe, expect, it } from 'vitest';
import type { api } from '@domicile/protocol';
import { codeOf } from '../testing/region-fixture.js';
import { planTransition, type LifecycleSnapshot } from './lifecycle-rules.js';

const live = (state: api.CredentialState): LifecycleSnapshot => ({
  state,
  suspendedBy: null,
  resumeState: null,
});
const suspended = (
  by: api.LifecycleActor | null,
  resumeState: api.ResumedState | null = 'active',
): LifecycleSnapshot => ({ state: 'suspended', suspendedBy: by, resumeState });

describe('planTransition', () => {
  it('suspends an active or a pending token, remembering what to resume to', () => {
    expect(planTransition(live('active'), 'suspend', 'device')).toEqual({
      kind: 'change',
      to: 'suspended',
      suspendedBy: 'device',
      resumeState: 'active',
    });
    expect(planTransition(live('pending_activation'), 'suspend', 'system')).toEqual({
      kind: 'change',
      to: 'suspended',
      suspendedBy: 'system',
      resumeState: 'pending_activation',
    });
  });

  it('resumes to the state the token had, and only by an actor at least as strong as the suspender', () => {
    expect(planTransition(suspended('device', 'pending_activation'), 'resume', 'device')).toEqual({
      kind: 'change',
      to: 'pending_activation',
      suspendedBy: null,
      resumeState: null,
    });
    expect(planTransition(suspended('system'), 'resume', 'issuer')).toMatchObject({
      kind: 'change',
      to: 'active',
    });
    expect(codeOf(() => planTransition(suspended('system'), 'resume', 'device'))).toBe(
      'RESUME_NOT_ALLOWED',
    );
    expect(codeOf(() => planTransition(suspended('issuer'), 'resume', 'system'))).toBe(
      'RESUME_NOT_ALLOWED',
    );
  });

  it('fails closed on an incomplete record: an unknown suspender is the issuer, an unknown earlier state is pending', () => {
    for (const actor of ['device', 'system'] as const) {
      expect(
        codeOf(() => planTransition(suspended(null), 'resume', actor)),
        actor,
      ).toBe('RESUME_NOT_ALLOWED');
    }
    expect(planTransition(suspended(null), 'resume', 'issuer')).toEqual({
      kind: 'change',
      to: 'active',
      suspendedBy: null,
      resumeState: null,
    });
    expect(planTransition(suspended('device', null), 'resume', 'device')).toEqual({
      kind: 'change',
      to: 'pending_activation',
      suspendedBy: null,
      resumeState: null,
    });
    expect(planTransition(suspended(null, null), 'resume', 'issuer')).toMatchObject({
      kind: 'change',
      to: 'pending_activation',
    });
    // Nobody takes over a suspension whose suspender is unknown: it already counts as the issuer's.
    expect(planTransition(suspended(null), 'suspend', 'issuer')).toEqual({ kind: 'unchanged' });
  });

  it('changes nothing when the token already is in the asked state, but lets a stronger actor take a suspension over', () => {
    expect(planTransition(suspended('device'), 'suspend', 'device')).toEqual({ kind: 'unchanged' });
    expect(planTransition(suspended('issuer'), 'suspend', 'device')).toEqual({ kind: 'unchanged' });
    expect(planTransition(suspended('device'), 'suspend', 'issuer')).toEqual({
      kind: 'unchanged',
      suspendedBy: 'issuer',
    });
    expect(planTransition(live('active'), 'resume', 'device')).toEqual({ kind: 'unchanged' });
    expect(planTransition(live('deleted'), 'delete', 'device')).toEqual({ kind: 'unchanged' });
  });

  it('deletes from any live state, for good', () => {
    for (const from of [live('active'), live('pending_activation'), suspended('issuer')]) {
      expect(planTransition(from, 'delete', 'device')).toEqual({
        kind: 'change',
        to: 'deleted',
        suspendedBy: null,
        resumeState: null,
      });
    }
    expect(codeOf(() => planTransition(live('deleted'), 'resume', 'issuer'))).toBe(
      'CREDENTIAL_STATE',
    );
    expect(codeOf(() => planTransition(live('deleted'), 'suspend', 'system'))).toBe(
      'CREDENTIAL_STATE',
    );
  });
});
