import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'caracal:public-route';

/** Marks a route that needs no admin token (health, OpenAPI document). */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
