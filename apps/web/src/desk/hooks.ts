import { createContext } from 'preact';
import { useContext, useLayoutEffect, useState } from 'preact/hooks';
import type { DeskSession } from './session';

export const SessionContext = createContext<DeskSession | null>(null);

/** The desk session, re-rendering the caller on every change of it. */
export function useSession(): DeskSession {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession outside <SessionContext.Provider>');
  }
  const [, setVersion] = useState(0);
  const rendered = session.version;
  // Subscribed before the page is painted; a change told to the listeners between this render and the subscription
  // (the first answer of the gateway can come that fast) is caught up with, not lost.
  useLayoutEffect(() => {
    const unsubscribe = session.subscribe(() => setVersion((n) => n + 1));
    if (session.version !== rendered) {
      setVersion((n) => n + 1);
    }
    return unsubscribe;
  }, [session]);
  return session;
}
