// Every route needs a bearer token unless marked @Public(); roles are checked per route with @Roles().
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { hasRole, Principal, Role, verifyToken } from '@corridor/identity';
import { problem } from './problem';

const PUBLIC = 'corridor:public';
const ROLES = 'corridor:roles';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

export type AuthedRequest = Request & { principal: Principal };

export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');
export interface AuthSettings {
  secret: string;
  /** the country whose gateway this is (tokens must name it), or the secretariat's placeholder */
  country: string;
  audience: string;
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = verifyToken({
      token: bearer(req.headers.authorization),
      secret: this.settings.secret,
      country: this.settings.country,
      audience: this.settings.audience,
    });
    req.principal = principal;
    // A route with no @Roles() is for operators only: least privilege by default.
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets) ?? ['admin'];
    if (!hasRole(principal, ...roles)) {
      throw problem(403, 'FORBIDDEN_ROLE', `this route needs one of the roles ${roles.join(', ')}`);
    }
    return true;
  }
}
