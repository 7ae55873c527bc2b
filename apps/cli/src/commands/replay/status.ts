import * as Flags from '@oclif/core/flags';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayCommand } from '../../base-command.js';
import { EXIT_GATEWAY_FAILURE, ReportedFailure } from '../../cli-error.js';
import type { ItemList, ReplayJob } from '@caracal/api-contract';
import { apiPath, type GatewayClient } from '../../gateway-client.js';
import { formatReplayJob, formatReplayStatus, progressBar } from '../../output/replay-output.js';

/** How often --watch asks the gateway. */
const WATCH_INTERVAL_MS = 1000;

export default class ReplayStatus extends GatewayCommand {
  static override summary = 'Show the replay jobs and their progress (events replayed, rate, ETA); --watch follows one until it completes.';
  static override description =
    'The newest job in detail (or --job-id), then every job. With --watch: a progress bar on a terminal (a line per change otherwise) ' +
    'until the job completes (exit 0) or fails (exit 1, with why and how to resume). With --json and --watch: one JSON line per change.';

  static override examples = [
    { description: 'Runbook.', command: 'caracal replay status' },
    { description: 'Follow the newest job until it completes.', command: 'caracal replay status --watch' },
  ];

  static override flags = {
    'job-id': Flags.string({ summary: 'Only this job (caracal replay status lists them).' }),
    watch: Flags.boolean({ summary: 'Follow the job until it completes or fails.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ReplayStatus);
    const gateway = this.gateway(flags);
    const jobId = flags['job-id'];
    if (!flags.watch) {
      if (jobId !== undefined) this.show(flags, await gateway.get<ReplayJob>(apiPath('replays', jobId)), formatReplayJob);
      else this.show(flags, await gateway.get<ItemList<ReplayJob>>('/v1/replays'), formatReplayStatus);
      return;
    }
    const job = await this.follow(gateway, jobId ?? (await this.newestJobId(gateway)), flags.json);
    if (job.state === 'failed') throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
  }

  private async newestJobId(gateway: GatewayClient): Promise<string> {
    const { items } = await gateway.get<ItemList<ReplayJob>>('/v1/replays');
    if (items.length === 0) {
      this.log('No replay jobs found. Start one with: caracal replay start --from-snapshot <snapshot-id>');
      throw new ReportedFailure(EXIT_GATEWAY_FAILURE);
    }
    return items[0].jobId;
  }

  /** Polls the job until it completes or fails; prints each change (redrawn in place on a terminal). */
  private async follow(gateway: GatewayClient, jobId: string, json: boolean): Promise<ReplayJob> {
    const tty = process.stdout.isTTY === true && !json;
    let shown = '';
    for (;;) {
      const job = await gateway.get<ReplayJob>(apiPath('replays', jobId));
      const line = json ? JSON.stringify(job) : `${job.state.padEnd(9)} ${progressBar(job)}  ${job.eventsProcessed}/${job.eventsTotal} events`;
      if (line !== shown) {
        if (tty) process.stdout.write(`\r${line}`);
        else this.log(line);
        shown = line;
      }
      if (job.state === 'completed' || job.state === 'failed') {
        if (tty) process.stdout.write('\n');
        if (!json) this.log(`\n${formatReplayJob(job)}`);
        return job;
      }
      await sleep(WATCH_INTERVAL_MS);
    }
  }
}
