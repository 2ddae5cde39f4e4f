import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { DeskSession } from './session';

export const SessionContext = createContext<DeskSession | null>(null);

/** The desk session, re-rendering the caller on every change of it. */
export function useSession(): DeskSession {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession outside <SessionContext.Provider>');
  }
  const [, setVersion] = useState(0);
  useEffect(() => session.subscribe(() => setVersion((n) => n + 1)), [session]);
  return session;
}
