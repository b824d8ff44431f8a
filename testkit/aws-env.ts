/**
 * Dummy AWS credentials and region for the real SDK clients that talk to the local emulators: the
 * machine's own AWS environment (a profile, a session token, an endpoint) never leaks into a test.
 * Call useDummyAwsEnvironment at the top of a test file or describe block; it restores the environment afterwards.
 */
const KEYS = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_RDS_DATA',
  'AWS_ENDPOINT_URL_LAMBDA'
] as const

export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' }

/** Replaces the AWS environment with the dummy one; returns the function that puts the saved one back. */
export function setDummyAwsEnvironment(): () => void {
  const saved: Record<string, string | undefined> = {}
  for (const key of KEYS) {
    saved[key] = process.env[key]
    delete process.env[key]
  }
  process.env.AWS_REGION = 'us-east-1'
  process.env.AWS_ACCESS_KEY_ID = DUMMY_CREDENTIALS.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = DUMMY_CREDENTIALS.secretAccessKey
  return () => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key]
      else process.env[key] = saved[key]
    }
  }
}

export function useDummyAwsEnvironment(): void {
  let restore = (): void => {}
  beforeAll(() => {
    restore = setDummyAwsEnvironment()
  })
  afterAll(() => restore())
}
