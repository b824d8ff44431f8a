/** No PostgreSQL binaries were found, or the server found could not be started or reached. */
export class ShadowUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ShadowUnavailableError'
  }
}
