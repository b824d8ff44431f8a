/** Running a program of the PostgreSQL installation (initdb, postgres, pg_ctl) and keeping the end of its output. */
import { spawn, type SpawnOptions } from 'node:child_process'

/** Runs a program to completion and collects its output (bounded). */
export function run(
  file: string,
  args: string[],
  options: SpawnOptions & { timeoutMs: number }
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    const output = new OutputTail()
    child.stdout?.on('data', (chunk: Buffer) => output.add(chunk))
    child.stderr?.on('data', (chunk: Buffer) => output.add(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output: output.text() })
    })
  })
}

/** The last few kilobytes of a process's output, for error messages. */
export class OutputTail {
  private chunks: string[] = []
  private size = 0
  constructor(private readonly limit = 8192) {}
  add(chunk: Buffer | string): void {
    const text = chunk.toString()
    this.chunks.push(text)
    this.size += text.length
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length
  }
  text(): string {
    const all = this.chunks.join('')
    return (all.length > this.limit ? all.slice(-this.limit) : all).trim()
  }
}
