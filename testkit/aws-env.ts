/**
 * Dummy AWS credentials and region for the real SDK clients that talk to the local emulators: the
 * machine's own AWS environment (a profile, a session token, an endpoint, a config file) never leaks into a test.
 * Call useDummyAwsEnvironment at the top of a test file or describe block; it restores the environment afterwards.
 * A child process (the bundled action, the command line) gets DUMMY_AWS_ENV in its environment.
 */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' }

/** The region and credentials of the dummy environment, as environment variables. */
export const DUMMY_AWS_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey
}

/** Replaces the AWS environment (every AWS_ variable) with the dummy one; returns the function that puts the saved one back. */
export function setDummyAwsEnvironment(): () => void {
  const saved: Record<string, string | undefined> = {}
  for (const key of new Set([...Object.keys(process.env).filter((k) => k.startsWith('AWS_')), ...Object.keys(DUMMY_AWS_ENV)])) {
    saved[key] = process.env[key]
    delete process.env[key]
  }
  Object.assign(process.env, DUMMY_AWS_ENV)
  return () => {
    for (const key of Object.keys(process.env).filter((k) => k.startsWith('AWS_'))) delete process.env[key]
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value
  }
}

export function useDummyAwsEnvironment(): void {
  let restore = (): void => {}
  beforeAll(() => {
    restore = setDummyAwsEnvironment()
  })
  afterAll(() => restore())
}
