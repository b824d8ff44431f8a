/** No throwaway server: none was found, or the one found could not be started or reached. */
export class ShadowUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ShadowUnavailableError'
  }
}
