import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// The README's IAM policy must name exactly the calls the adapter can make: every `new XCommand(` in
// src/ (not the testing helpers), by the SDK client it is imported from.
const src = join(import.meta.dirname, '..', 'src');
const services: Record<string, string> = { '@aws-sdk/client-ec2': 'ec2', '@aws-sdk/client-sqs': 'sqs' };
/** Batch calls are authorised as their single-message action. */
const actionOf = (service: string, command: string) => `${service}:${command.replace(/Batch$/, '')}`;

function actionsInSource(): string[] {
  const actions = new Set<string>();
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(src, file), 'utf8');
    const serviceOf = new Map<string, string>();
    for (const m of text.matchAll(/import\s*{([^}]*)}\s*from\s*'(@aws-sdk\/client-[a-z0-9]+)'/g)) {
      for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) if (name) serviceOf.set(name, m[2]!);
    }
    for (const m of text.matchAll(/new\s+([A-Z][A-Za-z0-9]*)Command\(/g)) {
      const pkg = serviceOf.get(`${m[1]}Command`);
      if (pkg === undefined || services[pkg] === undefined) throw new Error(`${file}: ${m[1]}Command is not imported from a known SDK client`);
      actions.add(actionOf(services[pkg], m[1]!));
    }
  }
  return [...actions].sort();
}

function actionsInReadme(): string[] {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## IAM policy'));
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (json === undefined) throw new Error('README: no JSON policy under "## IAM policy"');
  const policy = JSON.parse(json) as { Statement: { Action: string | string[] }[] };
  return policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

it('the README policy allows exactly the EC2 and SQS actions the adapter calls', () => {
  const called = actionsInSource();
  expect(called).toContain('ec2:RunInstances');
  expect(called).toContain('sqs:DeleteMessage');
  expect(actionsInReadme()).toEqual(called);
});
