/**
 * A TCP proxy in front of a test server that cuts the client's connection when a client packet contains
 * `marker`: `before` drops the packet, `after` lets it reach the server and drops the reply. Works for any
 * protocol that sends SQL as text (PostgreSQL's simple query, MySQL's COM_QUERY).
 */
import net from 'node:net'
import { freePort } from '../src/free-port.js'

export interface CuttingProxy {
  /** The server URL with the proxy's host and port. */
  url: string
  /** Every packet clients sent, in order. */
  sent: string[]
  cut(marker: string, when: 'before' | 'after'): void
  stop(): Promise<void>
}

export async function startCuttingProxy(serverUrl: string): Promise<CuttingProxy> {
  const server = new URL(serverUrl)
  const port = await freePort()
  let rule: { marker: string; when: 'before' | 'after' } | undefined
  const sockets = new Set<net.Socket>()
  const sent: string[] = []
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(server.port), server.hostname)
    sockets.add(client)
    sockets.add(upstream)
    let replyLost = false
    client.on('data', (chunk: Buffer) => {
      sent.push(chunk.toString('utf8'))
      if (rule && chunk.includes(Buffer.from(rule.marker))) {
        const { when } = rule
        rule = undefined
        if (when === 'after') {
          upstream.write(chunk)
          replyLost = true
        } else upstream.destroy()
        client.destroy()
        return
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (replyLost) upstream.destroy()
      else client.write(chunk)
    })
    client.on('close', () => {
      if (!replyLost) upstream.destroy()
    })
    upstream.on('close', () => client.destroy())
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve))
  const url = new URL(serverUrl)
  url.host = `127.0.0.1:${port}`
  return {
    url: url.toString(),
    sent,
    cut(marker, when) {
      rule = { marker, when }
    },
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => proxy.close(resolve))
    }
  }
}
