// Browser sign-in at the identity provider: authorization code with PKCE, a server-side session behind an
// httpOnly cookie, RP-initiated logout and back-channel logout. No token ever reaches the page.
import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { IdentityError } from '@corridor/identity';
import { AUTHENTICATOR, BearerAuthenticator, Public } from '../auth.guard';
import { loggerFor, ROOT_LOGGER } from '../logging';
import { OidcRelyingParty } from '../oidc';
import { clearCookie, readCookie, sessionIdOf, setCookie } from './cookies';
import { AUTH_PATHS, BROWSER_AUTH, BrowserAuthOptions, OIDC_RP, pagesOf } from './options';
import { SessionStore } from './session.store';

const CALLBACK_PATH = AUTH_PATHS.callback;

/** Where a person may be sent back after sign-in: the service's own pages only (no open redirect). */
export function safeReturnTo(v: unknown, pages: string | readonly string[]): string {
  const list = typeof pages === 'string' ? [pages] : pages;
  return typeof v === 'string' &&
    list.some((p) => v.startsWith(p)) &&
    /^\/[A-Za-z0-9/_.-]*$/.test(v) &&
    !v.includes('..')
    ? v
    : list[0];
}

/** The page of the service a path belongs to (the landing page when none). */
function pageOf(v: unknown, pages: readonly string[]): string {
  return typeof v === 'string' ? (pages.find((p) => v.startsWith(p)) ?? pages[0]) : pages[0];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

@ApiExcludeController()
@Public()
@Controller('auth')
export class AuthController {
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private readonly secure: boolean;

  constructor(
    @Inject(BROWSER_AUTH) private readonly opts: BrowserAuthOptions,
    @Inject(OIDC_RP) private readonly rp: OidcRelyingParty | null,
    @Inject(AUTHENTICATOR) private readonly authenticator: BearerAuthenticator,
    private readonly sessions: SessionStore,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = loggerFor(root, AuthController);
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.secure = this.baseUrl.startsWith('https:');
  }

  private onePage(res: Response, status: number, line: string): void {
    res
      .status(status)
      .type('text/html')
      .send(
        `<!doctype html><meta charset="utf-8"><title>Corridor sign-in</title><p data-testid="auth-message">${escapeHtml(
          line,
        )}</p><p><a href="${escapeHtml(this.opts.page)}">Back to ${escapeHtml(this.opts.pageName)}</a></p>`,
      );
  }

  /** What the page needs to know before it loads data: signed in or not, and whether sign-in is possible now. */
  @Get('session')
  async session(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    res.setHeader('Cache-Control', 'no-store');
    const s = this.sessions.get(sessionIdOf(req, this.opts.cookies));
    const provider = this.rp ? (this.rp.ready ? 'up' : (await this.rp.probe()).status) : 'not-configured';
    return {
      signedIn: Boolean(s),
      officer: s?.principal.sub,
      country: s?.principal.country,
      roles: s?.principal.roles,
      provider,
      devTokens: this.authenticator.devTokens,
      ...(provider === 'down'
        ? { message: 'The sign-in service (identity provider) cannot be reached; try again in a minute.' }
        : {}),
    };
  }

  @Get('login')
  async login(@Query('returnTo') returnTo: unknown, @Res() res: Response): Promise<void> {
    if (!this.rp) {
      this.onePage(res, 404, 'This service has no identity provider configured (development tokens only).');
      return;
    }
    try {
      const start = await this.rp.beginLogin(`${this.baseUrl}${CALLBACK_PATH}`);
      this.sessions.addPending({
        ...start,
        returnTo: safeReturnTo(returnTo, pagesOf(this.opts)),
        createdAtMs: Date.now(),
      });
      setCookie(res, {
        name: this.opts.cookies.login,
        value: start.state,
        secure: this.secure,
        path: CALLBACK_PATH,
        maxAgeSeconds: 600,
      });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, start.url);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'sign-in could not start');
      this.onePage(
        res,
        503,
        'The sign-in service (identity provider) cannot be reached; try again in a minute.',
      );
    }
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    clearCookie(res, { name: this.opts.cookies.login, secure: this.secure, path: CALLBACK_PATH });
    const url = new URL(req.originalUrl, this.baseUrl);
    const state = url.searchParams.get('state') ?? undefined;
    // The state must be the one this browser started with (its cookie) and one this gateway issued.
    const pending =
      state && readCookie(req.headers.cookie, this.opts.cookies.login) === state
        ? this.sessions.takePending(state)
        : undefined;
    if (!this.rp || !pending) {
      this.onePage(
        res,
        400,
        `This sign-in link is unknown or has expired: start again from ${this.opts.pageName}.`,
      );
      return;
    }
    if (url.searchParams.get('error')) {
      this.onePage(
        res,
        401,
        `Sign-in was not completed (${url.searchParams.get('error')}): start again from ${this.opts.pageName}.`,
      );
      return;
    }
    try {
      const signedIn = await this.rp.finishLogin(url, pending);
      const session = this.sessions.create(signedIn);
      setCookie(res, { name: this.opts.cookies.session, value: session.id, secure: this.secure, path: '/' });
      this.logger.info({ person: signedIn.principal.sub, roles: signedIn.principal.roles }, 'signed in');
      res.redirect(303, pending.returnTo);
    } catch (err) {
      const reason = err instanceof IdentityError ? err.message : 'the provider did not confirm the sign-in';
      this.logger.warn({ err: (err as Error).message }, 'sign-in refused');
      this.onePage(res, 401, `Sign-in refused: ${reason}.`);
    }
  }

  /** Ends the session here and at the provider (RP-initiated logout), then back to the page (returnTo names which). */
  @Get('logout')
  logoutGet(@Query('returnTo') returnTo: unknown, @Req() req: Request, @Res() res: Response): void {
    this.logout(req, res, returnTo);
  }

  @Post('logout')
  logoutPost(@Query('returnTo') returnTo: unknown, @Req() req: Request, @Res() res: Response): void {
    this.logout(req, res, returnTo);
  }

  private logout(req: Request, res: Response, returnTo: unknown): void {
    const s = this.sessions.end(sessionIdOf(req, this.opts.cookies) ?? '', 'logout');
    clearCookie(res, { name: this.opts.cookies.session, secure: this.secure, path: '/' });
    const page = pageOf(safeReturnTo(returnTo, pagesOf(this.opts)), pagesOf(this.opts));
    const endSession = this.rp?.endSessionUrl({
      idTokenHint: s?.idToken,
      postLogoutRedirectUri: `${this.baseUrl}${page}`,
    });
    res.redirect(303, endSession ?? page);
  }

  /** OpenID Connect Back-Channel Logout: the provider says a session (or every session of a user) ended. */
  @Post('backchannel-logout')
  @HttpCode(200)
  async backchannelLogout(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const form = new URLSearchParams(await readBody(req, 16 * 1024));
      const token = form.get('logout_token');
      if (!this.rp || !token) {
        res.status(400).json({ error: 'invalid_request', error_description: 'logout_token is required' });
        return;
      }
      const target = await this.rp.verifyLogoutToken(token);
      const ended = this.sessions.endWhere(target, 'backchannel-logout');
      this.logger.info({ sessions: ended }, 'back-channel logout');
      res.status(200).end();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'back-channel logout refused');
      res.status(400).json({ error: 'invalid_request', error_description: 'logout token refused' });
    }
  }
}

async function readBody(req: Request, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new Error('body too large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
