/** The states a breaker can be in. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled';

/** Why a breaker changed state, as reported in `'state-change'` events. */
export type TransitionReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'slow-call-rate'
  | 'open-elapsed'
  | 'probe-failed'
  | 'probes-succeeded'
  | 'half-open-expired'
  | 'forced-open'
  | 'disabled'
  | 'reset';
