/**
 * The HTTP skeleton the AWS emulators (RDS Data API, Lambda) share: a server on 127.0.0.1 at a free port, a
 * request body read up to a limit, calls held without an answer, an emulator failure answered as a 500, and a
 * stop that refuses new calls, releases the held ones and closes every connection. Each emulator keeps its own
 * operations, call log, faults and replies.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface EmulatorServer {
  endpoint: string
  /** True once close() began: a new call is dropped at once. */
  readonly stopped: boolean
  /** Holds a call without answering until the client closes the connection or the emulator stops. */
  hold(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>
  /** Refuses new calls, releases the held ones, closes every connection and the server. */
  close(): Promise<void>
}

/** How the service answers when the emulator itself fails: its error type and the JSON body for a message. */
export interface FailureReply {
  errorType: string
  body(message: string): Record<string, unknown>
}

export async function startEmulatorServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  failure: FailureReply
): Promise<EmulatorServer> {
  let stopped = false
  const hung = new Set<() => void>()

  const server = http.createServer((req, res) => {
    if (stopped) {
      req.socket.destroy()
      return
    }
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-ErrorType': failure.errorType })
        res.end(JSON.stringify(failure.body(`Emulator failure: ${String(error)}`)))
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get stopped() {
      return stopped
    },
    async hold(req, res) {
      let release = () => {}
      await new Promise<void>((resolve) => {
        release = resolve
        hung.add(resolve)
        res.once('close', resolve)
      })
      hung.delete(release)
      req.socket.destroy()
    },
    async close() {
      stopped = true
      for (const release of [...hung]) release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Reads a request body, keeping at most `limit` bytes of it; `size` counts all of it. */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; size: number }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size <= limit) chunks.push(chunk as Buffer)
  }
  return { body: Buffer.concat(chunks), size }
}
