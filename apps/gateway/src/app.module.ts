import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore, SqlClient } from '../../../libs/event-store/src/index.js';
import { AgentsController } from './agents/agents.controller.js';
import { AGENT_COMMAND_HANDLERS } from './agents/agent-command-handlers.js';
import { AllowlistsController } from './allowlists/allowlists.controller.js';
import { ALLOWLIST_COMMAND_HANDLERS } from './allowlists/allowlist-command-handlers.js';
import { AggregateRepository } from './event-sourcing/aggregate-repository.js';
import { HealthController } from './health/health.controller.js';
import { AdminTokenGuard } from './http/admin-token.guard.js';
import { ADMIN_TOKEN, EVENT_STORE, SQL_CLIENT } from './injection-tokens.js';
import { PoliciesController } from './policies/policies.controller.js';
import { POLICY_COMMAND_HANDLERS } from './policies/policy-command-handlers.js';
import { AgentsReadModel } from './read-models/agents.read-model.js';
import { AllowlistsReadModel } from './read-models/allowlists.read-model.js';
import { PoliciesReadModel } from './read-models/policies.read-model.js';

export interface GatewayDependencies {
  client: SqlClient;
  store: EventStore;
  adminToken: string;
}

/** The store and token are opened before Nest starts, so tests and main wire the same module. */
@Module({})
export class AppModule {
  static register(deps: GatewayDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, AgentsController, PoliciesController, AllowlistsController],
      providers: [
        { provide: SQL_CLIENT, useValue: deps.client },
        { provide: EVENT_STORE, useValue: deps.store },
        { provide: ADMIN_TOKEN, useValue: deps.adminToken },
        { provide: APP_GUARD, useClass: AdminTokenGuard },
        AggregateRepository,
        AgentsReadModel,
        PoliciesReadModel,
        AllowlistsReadModel,
        ...AGENT_COMMAND_HANDLERS,
        ...POLICY_COMMAND_HANDLERS,
        ...ALLOWLIST_COMMAND_HANDLERS,
      ],
    };
  }
}
