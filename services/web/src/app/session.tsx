import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from './api/client';
import { hasRole, readClaims, type Claims, type Role } from './claims';

/** The pasted token lives in this tab only (sessionStorage): closing the tab logs out. */
const storageKey = 'tlp.token';

interface Session {
  token?: string;
  claims?: Claims;
  /** Set when the gateway refused the token, to tell the person on the login screen. */
  ended: boolean;
  login(token: string): Claims;
  logout(): void;
  api: ApiClient;
}

const SessionContext = createContext<Session | undefined>(undefined);

function restore(): { token?: string; claims?: Claims } {
  const token = sessionStorage.getItem(storageKey) ?? undefined;
  if (!token) return {};
  try {
    return { token, claims: readClaims(token) };
  } catch {
    sessionStorage.removeItem(storageKey);
    return {};
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState(restore);
  const [ended, setEnded] = useState(false);

  const logout = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setState({});
  }, []);

  const login = useCallback((raw: string) => {
    const token = raw.trim();
    const claims = readClaims(token);
    sessionStorage.setItem(storageKey, token);
    setState({ token, claims });
    setEnded(false);
    return claims;
  }, []);

  const api = useMemo(
    () =>
      new ApiClient(
        () => sessionStorage.getItem(storageKey) ?? undefined,
        () => {
          setEnded(true);
          logout();
        },
      ),
    [logout],
  );

  const value = useMemo<Session>(() => ({ ...state, ended, login, logout, api }), [state, ended, login, logout, api]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** Whether the logged-in token may call routes of this role, to leave out parts the gateway would refuse. */
export function useHasRole(minimum: Role): boolean {
  const { claims } = useSession();
  return claims !== undefined && hasRole(claims, minimum);
}
