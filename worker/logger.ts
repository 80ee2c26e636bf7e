// One log format for the whole operator process: pino, pretty in a terminal and JSON lines otherwise
// (LOG_FORMAT=pretty|json overrides; LOG_LEVEL, default info). The Temporal SDK's own logs (worker,
// the activities' context loggers, the core's native logs) are routed into it, so nothing else prints.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';

export function createLogger(stdoutIsTty = Boolean(process.stdout.isTTY)): Logger {
  const level = process.env.LOG_LEVEL ?? 'info';
  const usePretty = process.env.LOG_FORMAT ? process.env.LOG_FORMAT === 'pretty' : stdoutIsTty;
  const options = { name: 'etcd-operator', level };
  return usePretty ? pino(options, pretty({ sync: true, ignore: 'pid,hostname,name', translateTime: 'SYS:HH:MM:ss.l' })) : pino(options);
}

/** An error as one line: its message and those of its causes (an activity failure wraps the real one). */
export function errorLine(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const m = e instanceof Error ? e.message : String(e);
    if (m && !parts.includes(m)) parts.push(m);
  }
  return parts.join(': ');
}

/** Attempts of a polling activity between two "still waiting" lines (a poll retries every 1-2 s). */
export const STILL_WAITING_EVERY = 30;

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Temporal's Logger on pino. Metadata become fields; an error is its one-line message (no stack
 * trace: LOG_LEVEL=debug adds it). A multi-line info message (the workflow bundler's webpack report)
 * is debug.
 */
export function temporalLogger(log: Logger): TemporalLogger {
  const emit = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // The task token is an opaque blob for the server: noise in a log line.
    const { error, taskToken: _token, ...fields } = (meta ?? {}) as LogMetadata & { error?: unknown; taskToken?: unknown };
    let lvl = LEVELS[level] ?? 'info';
    if (lvl === 'info' && message.includes('\n')) lvl = 'debug';
    // A poll not done yet is debug (the SDK's level for BENIGN failures), but one that keeps waiting
    // says so at info every STILL_WAITING_EVERY attempts, with what it waits for.
    const attempt = Number((fields as { attempt?: unknown }).attempt);
    if (lvl === 'debug' && message === 'Activity failed' && attempt % STILL_WAITING_EVERY === 0) {
      lvl = 'info';
      message = 'still waiting';
    }
    if (!log.isLevelEnabled(lvl)) return;
    const out: Record<string, unknown> = { ...fields };
    if (error !== undefined) {
      out.error = errorLine(error);
      if (log.isLevelEnabled('debug') && error instanceof Error) out.stack = error.stack;
    }
    log[lvl](out, message);
  };
  return {
    log: emit,
    trace: (m, meta) => emit('TRACE', m, meta),
    debug: (m, meta) => emit('DEBUG', m, meta),
    info: (m, meta) => emit('INFO', m, meta),
    warn: (m, meta) => emit('WARN', m, meta),
    error: (m, meta) => emit('ERROR', m, meta),
  };
}

/**
 * Installs the Temporal runtime with our logger (the core's own logs forwarded into it) and, when
 * given a loopback port, the SDK's metrics in Prometheus' conventions (seconds, `_total`, units) on
 * it, for /metrics to pass on. Once, before any connection.
 */
export function installTemporalRuntime(log: Logger, metricsPort?: number): void {
  Runtime.install({
    logger: temporalLogger(log.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsPort && { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } }),
    },
  });
}
