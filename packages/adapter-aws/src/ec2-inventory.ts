import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { LaunchedInstance } from '@sef/core';
import { callAws } from './errors.js';
import { instanceTags, tagValue, toInstanceInfo } from './ec2-instances.js';

/** Every state but `terminated` and `shutting-down`: an instance in one of them still runs or may run again. */
const liveStates = ['pending', 'running', 'stopping', 'stopped'];

/**
 * The instances SEF launched that are not terminated: DescribeInstances filtered on the `sef:agent` tag and
 * the live states, page by page (`NextToken`, `pageSize` results per page: 5 to 1000). An instance whose role tag is not SEF's is left out; the
 * `sef:cause` tag, when present, is the instance's `causeId` (hashed when the cause was over 256 characters).
 */
export async function listLaunchedInstances(client: EC2Client, signal?: AbortSignal, pageSize = 1000): Promise<LaunchedInstance[]> {
  const found: LaunchedInstance[] = [];
  let nextToken: string | undefined;
  do {
    const command = new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag-key', Values: [instanceTags.agent] },
        { Name: 'instance-state-name', Values: liveStates },
      ],
      MaxResults: pageSize,
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    });
    const page = await callAws('DescribeInstances', () => client.send(command, signal ? { abortSignal: signal } : {}), signal ? { signal } : {});
    for (const instance of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      const agentId = tagValue(instance.Tags, instanceTags.agent);
      const role = tagValue(instance.Tags, instanceTags.role);
      if (agentId === undefined || (role !== 'primary' && role !== 'replica')) continue;
      const causeId = tagValue(instance.Tags, instanceTags.cause);
      found.push({ ...toInstanceInfo(instance), agentId, role, ...(causeId !== undefined ? { causeId } : {}) });
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return found;
}
