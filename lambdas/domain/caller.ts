// Who is calling the API, and which sessions they may see: their own, or any if they are an admin.
// Another owner's session is reported exactly like a missing one, so ids cannot be probed.
import { type Session } from './session';

export interface Caller {
  ownerId: string;
  isAdmin: boolean;
}

export const mayAccess = (caller: Caller, session: Session): boolean => caller.isAdmin || caller.ownerId === session.ownerId;
