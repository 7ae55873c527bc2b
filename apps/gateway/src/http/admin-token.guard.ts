import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ADMIN_TOKEN } from '../injection-tokens.js';
import { PUBLIC_ROUTE } from './public-route.decorator.js';

/** Every admin route needs `Authorization: Bearer <admin token>`; compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expectedDigest: Buffer;

  constructor(
    @Inject(ADMIN_TOKEN) adminToken: string,
    private readonly reflector: Reflector,
  ) {
    this.expectedDigest = digest(adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('missing admin token: send "Authorization: Bearer <token>"');
    if (!timingSafeEqual(digest(match[1]), this.expectedDigest)) {
      throw new UnauthorizedException('admin token is not valid');
    }
    return true;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
