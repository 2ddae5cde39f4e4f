// The two cookies of browser sign-in: the session id, and the pending login's state during the round trip.
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'corridor_session';
export const LOGIN_COOKIE = 'corridor_login';

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
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

export function sessionIdOf(req: Pick<Request, 'headers'>): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}
