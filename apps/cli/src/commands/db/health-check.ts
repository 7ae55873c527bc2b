import { GatewayCommand } from '../../base-command.js';
import { EXIT_GATEWAY_FAILURE, ReportedFailure } from '../../cli-error.js';
import type { HealthReport } from '@caracal/api-contract';
import { formatHealthReport } from '../../output/ops-output.js';

function isHealthReport(body: unknown): body is HealthReport {
  const report = body as Partial<HealthReport> | null;
  return typeof report?.status === 'string' && typeof report.checks === 'object' && report.checks !== null;
}

export default class DbHealthCheck extends GatewayCommand {
  static override summary = 'Check that the gateway can enforce: database, migrations, Redis, processors and DLQ.';
  static override description =
    'Prints every check with its status (ok, degraded or unavailable). Exits 0 only when the overall status is ok ' +
    '(degraded checks, such as lag or a DLQ above threshold, are reported but still ok); 1 when it is not, or when the gateway cannot be reached.';

  static override examples = [
    { description: 'After a restore (runbook).', command: 'caracal db health-check' },
    { description: 'In a script.', command: 'caracal db health-check --json > health.json || echo unhealthy' },
  ];

  async run(): Promise<void> {
    const { flags } = await this.parse(DbHealthCheck);
    // 503 carries the report too: it is shown, not turned into an error message.
    const { body } = await this.gateway(flags).getReport('/v1/ops/health', isHealthReport);
    this.show(flags, body, formatHealthReport);
    if (body.status !== 'ok') throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }
}
