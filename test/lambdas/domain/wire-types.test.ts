// The domain takes its unions from contract/ (vocabulary.ts, re-exported by wire.ts), which clients
// that must not import the runtime (the CLI) read too. These checks fail to compile (npx tsc) if the
// domain ever spells one out again and the two drift apart, in either direction.
import { describe, expectTypeOf, it } from 'vitest';
import type * as Wire from '../../../contract/wire';
import { type ActivityLevel, type Heartbeat, type HeartbeatKind } from '../../../lambdas/domain/deadline-policy';
import { type DeadlineReason, type EndReason, type SessionStatus } from '../../../lambdas/domain/session';

describe('the wire types', () => {
  it('name exactly the statuses, reasons, activity levels and heartbeat kinds of the domain', () => {
    expectTypeOf<Wire.SessionStatus>().toEqualTypeOf<SessionStatus>();
    expectTypeOf<Wire.EndReason>().toEqualTypeOf<EndReason>();
    expectTypeOf<Wire.DeadlineReason>().toEqualTypeOf<DeadlineReason>();
    expectTypeOf<Wire.ActivityLevel>().toEqualTypeOf<ActivityLevel>();
    expectTypeOf<Wire.HeartbeatKind>().toEqualTypeOf<HeartbeatKind>();
  });

  it('describe the activity report the domain applies', () => {
    expectTypeOf<Wire.ActivityReport>().toEqualTypeOf<Heartbeat>();
  });
});
