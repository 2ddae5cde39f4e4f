// Every route needs a bearer token unless marked @Public(); roles are checked per route with @Roles().
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { hasRole, Principal, Role, verifyToken } from '@corridor/identity';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/config';
import { problem } from '../common/problem';

const PUBLIC = 'corridor:public';
const ROLES = 'corridor:roles';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

export type AuthedRequest = Request & { principal: Principal };

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const principal = verifyToken({
      token: bearer(req.headers.authorization),
      secret: this.config.auth.tokenSecret,
      country: this.config.country,
    });
    req.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets) ?? ['admin'];
    if (!hasRole(principal, ...roles)) {
      throw problem(403, 'FORBIDDEN_ROLE', `this route needs one of the roles ${roles.join(', ')}`);
    }
    return true;
  }
}
