/**
 * The set-up many integration files share: the RDS Data API emulator in front of the shared PostgreSQL server,
 * with the dummy AWS environment, for the enclosing file or describe block.
 *
 *   const emulator = useDataApiEmulator()
 *   test('…', () => createDataApiTarget({ resourceArn: emulator.resourceArn, … }))
 *
 * The returned object stands for the emulator once `beforeAll` has started it (reading it earlier throws).
 */
import { useDummyAwsEnvironment } from './aws-env.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from './data-api-emulator.js'
import { ADMIN_URL_ENV } from './postgres.js'

/** An object that forwards every property to what `current()` holds at the time it is read. */
export function forwarding<T extends object>(what: string, current: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const value = current()
      if (value === undefined) throw new Error(`${what} is not started yet: read it inside a test or a hook`)
      const property: unknown = Reflect.get(value, key)
      return typeof property === 'function' ? property.bind(value) : property
    },
    set(_target, key, property) {
      const value = current()
      if (value === undefined) throw new Error(`${what} is not started yet: read it inside a test or a hook`)
      return Reflect.set(value, key, property)
    }
  })
}

/** Starts a Data API emulator on the shared server before the block's tests and stops it after them. */
export function useDataApiEmulator(options: Partial<DataApiEmulatorOptions> = {}): DataApiEmulator {
  let emulator: DataApiEmulator | undefined
  useDummyAwsEnvironment()
  beforeAll(async () => {
    emulator = await startDataApiEmulator({ postgresUrl: process.env[ADMIN_URL_ENV]!, ...options })
  })
  afterAll(async () => {
    await emulator?.stop()
    emulator = undefined
  })
  return forwarding('The Data API emulator', () => emulator)
}
