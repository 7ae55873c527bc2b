import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { Redis } from 'ioredis';
import type { ProxyConfig } from '@caracal/config';
import type { ProcessorRegistry } from '@caracal/processing';
import type { EventStore, SqlClient } from '@caracal/event-store';
import type { MerkleSealer } from '@caracal/sealing';
import type { SnapshotSettings } from '@caracal/recovery';
import { BudgetPeerController } from './budget/budget-peer.controller.js';
import { BudgetStreamCommandQueue } from './budget/budget-stream.command-queue.js';
import { LedgerController } from './ledger/ledger.controller.js';
import { PolicyUsageReader } from './ledger/policy-usage.reader.js';
import { MerkleController } from './merkle/merkle.controller.js';
import { MerkleKeysController } from './merkle/merkle-keys.controller.js';
import { MerkleExportController } from './merkle/merkle-export.controller.js';
import { MerkleProofsController } from './merkle/merkle-proofs.controller.js';
import { ConsumerLagController } from './operations/consumer-lag.controller.js';
import { DatabaseController } from './operations/database.controller.js';
import { DlqController } from './operations/dlq.controller.js';
import { ProcessingStatus } from './operations/processing-status.js';
import { BackupsController, type BackupSettings } from './operations/backups.controller.js';
import { ReplaysController } from './operations/replays.controller.js';
import { SnapshotsController } from './operations/snapshots.controller.js';
import type { PricebookRevision } from './pricebook/pricebook-revision.js';
import { PricebookController } from './pricebook/pricebook.controller.js';
import { PricebookProvider } from './pricebook/pricebook.provider.js';
import { PublishPricebookHandler } from './pricebook/publish-pricebook.command.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { AgentAccessReader } from './agents/agent-access.reader.js';
import { AgentKeyAuthenticator } from './proxy/agent-key.authenticator.js';
import { AllowlistGuard } from './targets/allowlist-guard.js';
import { DenialRecorder } from './proxy/denial-recorder.js';
import { ProxyService } from './proxy/proxy.service.js';
import { TargetPolicy } from './targets/target-policy.js';
import type { UpstreamDispatchers } from './proxy/upstream-dispatchers.js';
import { AgentsController } from './agents/agents.controller.js';
import { AGENT_COMMAND_HANDLERS } from './agents/agent-command-handlers.js';
import { AllowlistsController } from './allowlists/allowlists.controller.js';
import { ALLOWLIST_COMMAND_HANDLERS } from './allowlists/allowlist-command-handlers.js';
import { AggregateRepository } from './event-sourcing/aggregate-repository.js';
import { HealthController } from './health/health.controller.js';
import { AdminTokenGuard } from './http/admin-token.guard.js';
import type { KafkaBusRuntime } from '@caracal/runtime';
import { ADMIN_TOKEN, BACKUP_SETTINGS, EVENT_STORE, GATEWAY_METRICS, KAFKA_BUS, PRICEBOOK, PROCESSOR_REGISTRY, PROXY_CONFIG, REDIS, SNAPSHOT_SETTINGS, SQL_CLIENT, UPSTREAM_DISPATCHERS } from './injection-tokens.js';
import { PoliciesController } from './policies/policies.controller.js';
import { POLICY_COMMAND_HANDLERS } from './policies/policy-command-handlers.js';
import { AgentsReadModel } from './read-models/agents.read-model.js';
import { AllowlistsReadModel } from './read-models/allowlists.read-model.js';
import { PoliciesReadModel } from './read-models/policies.read-model.js';

export interface GatewayDependencies {
  client: SqlClient;
  store: EventStore;
  adminToken: string;
  proxy: ProxyConfig;
  pricebook: PricebookRevision;
  metrics: GatewayMetrics;
  dispatchers: UpstreamDispatchers;
  registry: ProcessorRegistry;
  redis: Redis | null;
  /** CARACAL_BUS=kafka: the Kafka client, topic and relay (registered in `registry`); absent or null on the store bus. */
  kafkaBus?: KafkaBusRuntime | null;
  /** merkle-sealer-group when this process has a signing key (registered in `registry`). */
  sealer: MerkleSealer | null;
  /** Read-model snapshots kept after each `snapshot create` (0: all); default 10. */
  snapshots?: Required<SnapshotSettings>;
  /** `backup create|list|verify`: the backup directory and, on PostgreSQL, the URL pg_dump connects to. */
  backups?: BackupSettings;
}

/** The store and token are opened before Nest starts, so tests and main wire the same module. */
@Module({})
export class AppModule {
  static register(deps: GatewayDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [HealthController, AgentsController, PoliciesController, AllowlistsController, PricebookController, LedgerController, DlqController, ConsumerLagController, DatabaseController, SnapshotsController, ReplaysController, BackupsController, MerkleController, MerkleProofsController, MerkleKeysController, MerkleExportController, BudgetPeerController],
      providers: [
        { provide: SQL_CLIENT, useValue: deps.client },
        { provide: EVENT_STORE, useValue: deps.store },
        { provide: ADMIN_TOKEN, useValue: deps.adminToken },
        { provide: PROXY_CONFIG, useValue: deps.proxy },
        { provide: PRICEBOOK, useValue: deps.pricebook },
        { provide: GATEWAY_METRICS, useValue: deps.metrics },
        { provide: UPSTREAM_DISPATCHERS, useValue: deps.dispatchers },
        { provide: PROCESSOR_REGISTRY, useValue: deps.registry },
        { provide: REDIS, useValue: deps.redis },
        { provide: SNAPSHOT_SETTINGS, useValue: deps.snapshots ?? { keep: 10, busyPercent: 100 } },
        { provide: BACKUP_SETTINGS, useValue: deps.backups ?? null },
        { provide: KAFKA_BUS, useValue: deps.kafkaBus ?? null },
        AgentKeyAuthenticator,
        AgentAccessReader,
        AllowlistGuard,
        TargetPolicy,
        DenialRecorder,
        BudgetStreamCommandQueue,
        PricebookProvider,
        PolicyUsageReader,
        ProcessingStatus,
        PublishPricebookHandler,
        ProxyService,
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
