import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { runCli } from '../e2e/run-cli.js';
import { loadComposeFile, readEnvExample } from './compose-file.js';
import { deployPath, readYaml, readYamlDocuments } from './deploy-files.js';

interface Invocation {
  /** Where the deploy files run it. */
  where: string;
  args: string[];
}

/** Every `cairn …` command line the deploy files run: the image's CMD, compose's commands, the Kubernetes containers' args. */
function invocations(): Invocation[] {
  const out: Invocation[] = [];
  const dockerfile = readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8');
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
  assert.equal(entrypoint.at(-1), 'cairn');
  out.push({ where: 'Dockerfile CMD', args: JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[] });
  const env = readEnvExample();
  const compose = loadComposeFile(env) as { services: Record<string, { image?: string; command?: string[] }> };
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image === env.get('CAIRN_IMAGE')) out.push({ where: `compose service ${name}`, args: service.command! });
  }
  const kustomization = readYaml(deployPath('k8s', 'kustomization.yaml')) as { resources: string[] };
  for (const file of kustomization.resources) {
    for (const object of readYamlDocuments(deployPath('k8s', file)) as { kind: string; metadata: { name: string }; spec?: { template?: { spec: { containers: { name: string; image: string; args?: string[] }[]; initContainers?: { name: string; image: string; args?: string[] }[] } } } }[]) {
      const pod = object.spec?.template?.spec;
      for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
        if (container.image.startsWith('cairn:')) out.push({ where: `k8s ${object.kind} ${object.metadata.name}/${container.name}`, args: container.args! });
      }
    }
  }
  return out;
}

/**
 * Commands and options the deploy files use that a branch not yet merged adds: a check of them is
 * reported as TODO instead of failing until it lands. None is pending now (`cairn worker`,
 * `serve --no-jobs` and `cairn db migrate` are checked for real).
 */
const PENDING: Record<string, string> = {
};

test('every cairn command line of the deploy files names a real command and options it accepts', async (t) => {
  const list = invocations();
  assert.ok(list.length >= 7, `${list.length} command lines`);
  const rootHelp = (await runCli(['--help'], { HOME: REPO_ROOT })).stdout;
  for (const { where, args } of list) {
    const path = args.slice(0, args.findIndex((arg) => arg.startsWith('-')) === -1 ? args.length : args.findIndex((arg) => arg.startsWith('-')));
    const flags = args.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0]!);
    const help = await runCli([...path, '--help'], { HOME: REPO_ROOT });
    // For an unknown command commander prints the top-level help instead (and exits 0).
    const known = help.code === 0 && help.stdout.startsWith(`Usage: cairn ${path.join(' ')} `);
    const missing = known ? flags.filter((flag) => !new RegExp(`(^|\\s)${flag}\\b`, 'm').test(help.stdout) && !new RegExp(`(^|\\s)${flag}\\b`, 'm').test(rootHelp)) : [];
    const pending = !known ? PENDING[path.join(' ')] : missing.map((flag) => PENDING[`${path.join(' ')} ${flag}`]).find(Boolean);
    await t.test(`${where}: cairn ${args.join(' ')}`, { todo: (!known || missing.length > 0) && pending ? pending : false }, () => {
      assert.ok(known, `cairn ${path.join(' ')} is not a command`);
      assert.deepEqual(missing, [], `cairn ${path.join(' ')} does not accept these options`);
    });
  }
});
