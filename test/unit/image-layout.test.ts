// The two ways to build the operator's image agree: scripts/image.sh (umoci + skopeo, for the local
// node) and the Dockerfile (for a registry) give the same user, workdir, env, arguments and /app
// layout. Reads both files only; nothing is built.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { test } from 'node:test';
import { OPERATOR_RUNTIME_ENV, operatorProcessEnv } from '../../worker/runtime-env.ts';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const imageSh = read('scripts/image.sh');
const dockerfile = read('Dockerfile');

interface ImageConfig { user: string; workdir: string; env: Map<string, string>; entrypoint: string[]; cmd: string[]; port: string }

/** IMAGE_* assignments of scripts/image.sh: plain words, no quoting. */
function fromImageSh(): ImageConfig {
  const value = (name: string): string => {
    const m = new RegExp(`^IMAGE_${name}=(.*)$`, 'm').exec(imageSh);
    assert.ok(m?.[1], `scripts/image.sh sets IMAGE_${name}`);
    return m[1];
  };
  const array = (name: string): string[] => {
    const m = /^\((.*)\)$/.exec(value(name));
    assert.ok(m?.[1] !== undefined, `IMAGE_${name} is an array`);
    return m[1].split(/\s+/).filter(Boolean);
  };
  const env = new Map(array('ENV').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  return { user: value('USER'), workdir: value('WORKDIR'), env, entrypoint: array('ENTRYPOINT'), cmd: array('CMD'), port: value('PORT') };
}

/** The final stage's instructions (continuation lines joined, comments dropped). */
function finalStage(): string[] {
  const lines = dockerfile.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(lines.reduce((last, l, i) => (/^FROM\s/i.test(l) ? i : last), -1));
}

function fromDockerfile(): ImageConfig {
  const stage = finalStage();
  const args = (keyword: string): string[] => stage.filter((l) => l.toUpperCase().startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1).trim());
  const one = (keyword: string): string => {
    const all = args(keyword);
    assert.equal(all.length, 1, `one ${keyword} in the Dockerfile's final stage`);
    return all[0]!;
  };
  const env = new Map<string, string>();
  for (const line of args('ENV')) for (const [, k, v] of line.matchAll(/(\w+)=(\S+)/g)) env.set(k!, v!);
  return {
    user: one('USER'), workdir: one('WORKDIR'), env,
    entrypoint: JSON.parse(one('ENTRYPOINT')) as string[], cmd: JSON.parse(one('CMD')) as string[], port: one('EXPOSE'),
  };
}

test('image.sh and the Dockerfile run the same command as the same user in the same place', () => {
  const sh = fromImageSh();
  const docker = fromDockerfile();
  assert.equal(sh.user, '65532:65532');
  assert.equal(docker.user, sh.user);
  assert.equal(sh.workdir, '/app');
  assert.equal(docker.workdir, sh.workdir);
  assert.deepEqual(docker.cmd, sh.cmd);
  assert.equal(docker.port.replace(/\/tcp$/, ''), sh.port.replace(/\/tcp$/, ''));
  // Only node's own place differs (distroless: /nodejs/bin/node); the script it runs is the same.
  assert.equal(sh.entrypoint[0], '/usr/local/bin/node');
  assert.equal(docker.entrypoint[0], '/nodejs/bin/node');
  assert.deepEqual(docker.entrypoint.slice(1), sh.entrypoint.slice(1));
  // The CLI bundle, which loads the operator's bundle for `run` (scripts/bundle.ts).
  assert.deepEqual(sh.entrypoint.slice(1), ['/app/dist/cli-bundle/etcdop.js']);
  assert.match(imageSh, /scripts\/bundle\.ts "\$root\/app\/dist"/);
});

test('image.sh and the Dockerfile set the same environment; PATH holds each one\'s node', () => {
  const sh = fromImageSh();
  const docker = fromDockerfile();
  assert.deepEqual([...docker.env.keys()].sort(), [...sh.env.keys()].sort());
  for (const [name, value] of sh.env) if (name !== 'PATH') assert.equal(docker.env.get(name), value, name);
  assert.equal(sh.env.get('ETCD_OPERATOR_WORKFLOW_BUNDLE'), '/app/dist/workflow-bundle.js');
  assert.equal(sh.env.get('NODE_ENV'), 'production');
  for (const c of [sh, docker]) assert.ok(c.env.get('PATH')!.split(':').includes(posix.dirname(c.entrypoint[0]!)), `PATH ${c.env.get('PATH')} holds ${c.entrypoint[0]}`);
});

test('the image and npm start run the operator with the runtime settings of worker/runtime-env.ts', () => {
  const sh = fromImageSh();
  const docker = fromDockerfile();
  const mainSh = read('scripts/main.sh');
  for (const [name, value] of Object.entries(OPERATOR_RUNTIME_ENV)) {
    assert.equal(sh.env.get(name), value, `scripts/image.sh IMAGE_ENV ${name}`);
    assert.equal(docker.env.get(name), value, `Dockerfile ENV ${name}`);
  }
  const exported = /^export ((?:[A-Z_]+=\S+ )+)NODE_OPTIONS="([^$"]+)\$\{NODE_OPTIONS:\+ \$NODE_OPTIONS\}"\nexec node /m.exec(mainSh);
  assert.ok(exported, 'scripts/main.sh exports them right before it starts the operator');
  const { NODE_OPTIONS, ...malloc } = OPERATOR_RUNTIME_ENV;
  assert.deepEqual(Object.fromEntries(exported[1]!.trim().split(' ').map((a) => a.split('='))), malloc);
  assert.equal(exported[2], NODE_OPTIONS);
  // Tests' and benches' operator processes: the same, a caller's NODE_OPTIONS kept after ours.
  assert.deepEqual(operatorProcessEnv({ NODE_OPTIONS: '--inspect' }), { ...malloc, NODE_OPTIONS: '--max-semi-space-size=2 --inspect' });
  assert.deepEqual(operatorProcessEnv({ MALLOC_ARENA_MAX: '4' }), { ...OPERATOR_RUNTIME_ENV, MALLOC_ARENA_MAX: '4' });
  assert.deepEqual(operatorProcessEnv({}), { ...OPERATOR_RUNTIME_ENV });
});

test('both put package.json, dist and pruned production node_modules under /app', () => {
  const copies = finalStage().filter((l) => /^COPY\s/i.test(l)).map((l) => l.split(/\s+/).at(-1));
  assert.deepEqual(copies.sort(), ['/app/dist', '/app/node_modules', '/app/package.json']);
  assert.match(imageSh, /cp "\$ROOT\/package\.json" "\$root\/app\/"/);
  // Compiled straight into the image's /app/dist (not the checkout's dist/, which the CLI may be running), plus the workflow bundle.
  assert.match(imageSh, /tsc -p tsconfig\.build\.json --outDir "\$root\/app\/dist"/);
  assert.match(imageSh, /cp "\$ROOT\/dist\/workflow-bundle\.js" "\$root\/app\/dist\/workflow-bundle\.js"/);
  assert.match(imageSh, /mv "[^"]*node_modules" "\$root\/app\/node_modules"/);
  for (const [name, text] of [['scripts/image.sh', imageSh], ['Dockerfile', dockerfile]]) {
    assert.match(text!, /npm ci --omit=dev --ignore-scripts/, `${name} installs production dependencies without install scripts`);
    assert.match(text!, /image-prune\.sh/, `${name} prunes them with scripts/image-prune.sh`);
  }
});
