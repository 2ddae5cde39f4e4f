// The two cookies of browser sign-in: the session id, and the pending login's state during the round trip. Their
// names are per service: browsers share cookies between ports of one host, so a gateway and a secretariat on the
// same machine must not overwrite each other's session.
import type { Request, Response } from 'express';

export interface AuthCookieNames {
  session: string;
  login: string;
}

export function authCookieNames(prefix: string): AuthCookieNames {
  return { session: `${prefix}_session`, login: `${prefix}_login` };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** httpOnly, SameSite=Lax (the provider's redirect back is a top-level navigation), Secure when served over TLS. */
export function setCookie(
  res: Response,
  opts: { name: string; value: string; secure: boolean; path: string; maxAgeSeconds?: number },
): void {
  const parts = [
    `${opts.name}=${encodeURIComponent(opts.value)}`,
    `Path=${opts.path}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(opts.secure ? ['Secure'] : []),
    ...(opts.maxAgeSeconds !== undefined ? [`Max-Age=${opts.maxAgeSeconds}`] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(res: Response, opts: { name: string; secure: boolean; path: string }): void {
  setCookie(res, { ...opts, value: '', maxAgeSeconds: 0 });
}

export function sessionIdOf(req: Pick<Request, 'headers'>, cookies: AuthCookieNames): string | undefined {
  return readCookie(req.headers.cookie, cookies.session);
}
