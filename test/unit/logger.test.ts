// The operator's one log format: Temporal's logs through pino, errors as one line without a stack,
// the bundler's multi-line report at debug, and pretty only in a terminal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { errorLine, temporalLogger } from '../../worker/logger.ts';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } });
  return { log: temporalLogger(pino({ level }, stream)), lines };
}

describe('temporalLogger', () => {
  it('a failed activity is one line: the cause\'s message, its metadata as fields, no stack', () => {
    const { log, lines } = capture();
    const cause = ApplicationFailure.create({ message: 'etcd refused: too many learners', type: 'EtcdRefused' });
    log.warn('Activity failed', { error: new ActivityFailure('activity failed', 'addLearner', 'a1', RetryState.MAXIMUM_ATTEMPTS_REACHED, undefined, cause), workflowId: 'etcdcluster-1/scale-2', activityType: 'addLearner' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.msg, 'Activity failed');
    assert.equal(lines[0]!.level, 40);
    assert.equal(lines[0]!.workflowId, 'etcdcluster-1/scale-2');
    assert.equal(lines[0]!.error, 'activity failed: etcd refused: too many learners');
    assert.equal(lines[0]!.stack, undefined);
  });
  it('LOG_LEVEL=debug keeps the stack', () => {
    const { log, lines } = capture('debug');
    log.error('boom', { error: new Error('x') });
    assert.match(String(lines[0]!.stack), /Error: x\n/);
  });
  it('a multi-line info message (the bundler\'s webpack report) is debug, not info', () => {
    const { log, lines } = capture();
    log.info('asset workflow-bundle.js 1.2 MiB\nwebpack compiled successfully');
    assert.deepEqual(lines, []);
  });
  it('a poll not done yet is silent at info, but says "still waiting" with its reason every 30 attempts', () => {
    const { log, lines } = capture();
    for (let attempt = 1; attempt <= 61; attempt++) log.debug('Activity failed', { attempt, activityType: 'promoteLearner', error: new Error('learner db-3 at index 10, leader at 400') });
    assert.deepEqual(lines.map((l) => [l.msg, l.attempt, l.error]), [['still waiting', 30, 'learner db-3 at index 10, leader at 400'], ['still waiting', 60, 'learner db-3 at index 10, leader at 400']]);
  });
  it('levels map one to one', () => {
    const { log, lines } = capture('trace');
    for (const l of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const) log.log(l, l.toLowerCase());
    assert.deepEqual(lines.map((l) => l.level), [10, 20, 30, 40, 50]);
  });
});

describe('errorLine', () => {
  it('joins the messages of the cause chain, each once', () => {
    const inner = new Error('connection refused');
    assert.equal(errorLine(new Error('listing members', { cause: new Error('connection refused', { cause: inner }) })), 'listing members: connection refused');
  });
  it('takes anything thrown', () => assert.equal(errorLine('plain'), 'plain'));
});

describe('an expected poll (NotYet) is not a warning', () => {
  it('notYet failures are BENIGN, which the worker logs at debug, and keep their type and retryability', async () => {
    const { notYet } = await import('../../activities/not-yet.ts');
    const f = notYet('learner db-3 at index 10, leader at 400');
    assert.deepEqual([f.type, f.nonRetryable, f.category, f.message], ['NotYet', false, 'BENIGN', 'learner db-3 at index 10, leader at 400']);
  });
});
