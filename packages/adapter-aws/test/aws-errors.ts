/** An error shaped like the SDK's service exceptions (`name` is the EC2 error code). */
export function awsError(code: string, options: { status?: number; fault?: 'client' | 'server'; message?: string } = {}): Error {
  return Object.assign(new Error(options.message ?? code), {
    name: code,
    $fault: options.fault ?? 'client',
    $metadata: { httpStatusCode: options.status ?? 400 },
  });
}
