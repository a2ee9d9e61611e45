/** EventBridge events exactly as EC2 emits them (field names and shapes from the EC2 user guide). */
export const interruptionWarning = (instanceId: string, time: string, action = 'terminate') => JSON.stringify({
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Spot Instance Interruption Warning',
  source: 'aws.ec2',
  account: '123456789012',
  time,
  region: 'us-east-2',
  resources: [`arn:aws:ec2:us-east-2a:instance/${instanceId}`],
  detail: { 'instance-id': instanceId, 'instance-action': action },
});

export const rebalanceRecommendation = (instanceId: string, time: string) => JSON.stringify({
  version: '0',
  id: '12345678-1234-1234-1234-123456789013',
  'detail-type': 'EC2 Instance Rebalance Recommendation',
  source: 'aws.ec2',
  account: '123456789012',
  time,
  region: 'us-east-2',
  resources: [`arn:aws:ec2:us-east-2:123456789012:instance/${instanceId}`],
  detail: { 'instance-id': instanceId },
});

export const stateChange = (instanceId: string, time: string, state: string) => JSON.stringify({
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time,
  region: 'us-east-2',
  resources: [`arn:aws:ec2:us-east-2:123456789012:instance/${instanceId}`],
  detail: { 'instance-id': instanceId, state },
});
