import type { DataSource } from 'typeorm';
import { newId } from './ids';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface Job {
  /** Unique within the service; the lease is taken under this name. */
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * Runs periodic jobs (hold expiry, lot expiry, renewal runs) in one replica at a time: a job
 * runs only while this process holds its lease row, which another replica can take over once
 * it lapses (a crashed holder stops renewing it). A run longer than the lease renews it as it
 * goes, so that no other replica starts the same job meanwhile.
 */
export class JobRunner {
  private readonly holder = newId();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly metrics?: Pick<Metrics, 'jobRuns'>,
  ) {}

  start(jobs: Job[]): void {
    for (const job of jobs) this.schedule(job, Math.floor(Math.random() * Math.min(job.everyMs, 500)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.running]);
    await this.db
      .query(`DELETE FROM job_leases WHERE holder = $1`, [this.holder])
      .catch(() => undefined);
  }

  /** Takes or renews the lease; true when this process may run the job now. */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, now() + $3::interval)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE job_leases.holder = EXCLUDED.holder OR job_leases.expires_at < now()
       RETURNING name`,
      [name, this.holder, `${ttlMs} milliseconds`],
    );
    return rows.length > 0;
  }

  private schedule(job: Job, delay: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const p = this.tick(job).finally(() => {
        this.running.delete(p);
        this.schedule(job, job.everyMs);
      });
      this.running.add(p);
    }, delay);
    this.timers.add(t);
  }

  private async tick(job: Job): Promise<void> {
    const ttlMs = Math.max(job.everyMs * 3, 5000);
    let renewal: NodeJS.Timeout | undefined;
    try {
      if (!(await this.acquire(job.name, ttlMs))) return;
      renewal = setInterval(() => {
        this.acquire(job.name, ttlMs).catch((e: unknown) => this.logger.warn({ err: e, job: job.name }, 'job lease not renewed'));
      }, ttlMs / 3);
      await job.run();
      this.metrics?.jobRuns.inc({ job: job.name, outcome: 'done' });
    } catch (e) {
      if (renewal) this.metrics?.jobRuns.inc({ job: job.name, outcome: 'failed' });
      this.logger.error({ err: e, job: job.name }, 'job failed; next run retries');
    } finally {
      clearInterval(renewal);
    }
  }
}
