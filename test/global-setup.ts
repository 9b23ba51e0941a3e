// vitest global setup: one migrated template database per run; every test file clones it
// (CREATE DATABASE ... TEMPLATE, a file copy) so each file starts from a fresh migrated database.
// Server, in order: TEST_ADMIN_URL (set by `npm test`), DATABASE_URL, a testcontainers PostgreSQL
// when a Docker engine is reachable, else the embedded cluster (scripts/pg.sh start test-vitest).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrateDatabase, repoRoot } from '../client/migrate.ts';
import { withDatabase } from './db-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

async function dockerReachable(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
  if (!process.env.DOCKER_HOST && !existsSync(socket)) return false;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function startTestcontainer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = await GenericContainer.fromDockerfile(path.join(repoRoot, 'docker')).build('sms-monitor-postgres:test');
  const container = await image
    .withEnvironment({ POSTGRES_PASSWORD: 'test' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const url = `postgres://postgres:test@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  return { url, stop: async () => { await container.stop(); } };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // promtool, when scripts/test-tools.sh extracted it (not installed system-wide): the test
  // files run in processes started after this, with this PATH.
  const tools = path.join(repoRoot, '.sms-monitor', 'tools', 'bin');
  if (existsSync(tools)) process.env.PATH = `${tools}${path.delimiter}${process.env.PATH ?? ''}`;
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    let adminUrl = process.env.TEST_ADMIN_URL ?? process.env.DATABASE_URL;
    if (!adminUrl) {
      if (await dockerReachable()) {
        const c = await startTestcontainer();
        adminUrl = c.url;
        cleanups.push(c.stop);
      } else {
        const script = path.join(repoRoot, 'scripts', 'pg.sh');
        const instance = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-vitest`;
        cleanups.push(async () => { execFileSync('bash', [script, 'destroy', instance], { stdio: 'ignore' }); });
        execFileSync('bash', [script, 'start', instance, '--fresh'], { stdio: ['ignore', 'ignore', 'inherit'] });
        adminUrl = execFileSync('bash', [script, 'admin-url', instance], { encoding: 'utf8' }).trim();
      }
    }
    const templateDb = `sms_monitor_tpl_${process.pid}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    cleanups.push(async () => { await admin.end(); });
    await admin.unsafe(`drop database if exists ${templateDb}`);
    await admin.unsafe(`create database ${templateDb}`);
    cleanups.push(async () => { await admin.unsafe(`drop database if exists ${templateDb} with (force)`); });
    await migrateDatabase(withDatabase(adminUrl, templateDb), { includeCurrent: true, pgtap: false, log: () => {} });
    project.provide('adminUrl', adminUrl);
    project.provide('templateDb', templateDb);
  } catch (error) {
    // A failed setup (say, a migration error) must not leave the cluster or the template behind.
    await teardown();
    throw error;
  }
  return teardown;
}
