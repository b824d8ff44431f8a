// Zips the bundled runner Lambda (dist/runner/, built by scripts/bundle.mjs) into runner.zip, ready
// for `aws lambda update-function-code --zip-file fileb://runner.zip` or runner/template.yaml.
//
//   node scripts/package-runner.mjs [--from dist/runner] [--out runner.zip]
//
// The zip is written here rather than by a `zip` binary, and is deterministic: files in name order,
// a fixed timestamp (1980-01-01), fixed permissions (0644), so the same bundle gives the same bytes.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// zlib.crc32 exists from Node 20.15 / 22.2; older Node 20 releases get the table version.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(data) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data) >>> 0
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const DOS_TIME = 0 // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1 // 1980-01-01
const UNIX_FILE_0644 = (0o100644 << 16) >>> 0
const VERSION_MADE_BY = (3 << 8) | 20 // Unix, zip 2.0
const VERSION_NEEDED = 20

/**
 * A zip archive (deflate, or stored when deflate does not help) of `entries`: [{ name, data }],
 * written in the order given.
 */
export function zipEntries(entries) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8')
    const deflated = zlib.deflateRawSync(data, { level: 9 })
    const stored = deflated.length >= data.length
    const body = stored ? data : deflated
    const crc = crc32(data)
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new Error(`${name}: too large for a zip without zip64`)
    const flags = /[^\x20-\x7e]/.test(name) ? 0x0800 : 0 // UTF-8 name

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(VERSION_NEEDED, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(stored ? 0 : 8, 8)
    local.writeUInt16LE(DOS_TIME, 10)
    local.writeUInt16LE(DOS_DATE, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, nameBytes, body)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(VERSION_MADE_BY, 4)
    central.writeUInt16LE(VERSION_NEEDED, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(stored ? 0 : 8, 10)
    central.writeUInt16LE(DOS_TIME, 12)
    central.writeUInt16LE(DOS_DATE, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt16LE(0, 30) // extra
    central.writeUInt16LE(0, 32) // comment
    central.writeUInt16LE(0, 34) // disk
    central.writeUInt16LE(0, 36) // internal attributes
    central.writeUInt32LE(UNIX_FILE_0644, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, nameBytes)

    offset += local.length + nameBytes.length + body.length
  }
  const centralDirectory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(0, 4)
  end.writeUInt16LE(0, 6)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralDirectory.length, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(0, 20)
  return Buffer.concat([...locals, centralDirectory, end])
}

/** The files of the bundle directory, in name order, plus `package.json` for an ES module bundle that lacks one. */
export function runnerEntries(fromDir) {
  const index = path.join(fromDir, 'index.js')
  if (!fs.existsSync(index)) throw new Error(`${path.relative(root, index) || index} does not exist: run \`npm run bundle\` first.`)
  const names = fs
    .readdirSync(fromDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort()
  const entries = names.map((name) => ({ name, data: fs.readFileSync(path.join(fromDir, name)) }))
  const code = fs.readFileSync(index, 'utf8')
  const isModule = /^(?:export|import)\s/m.test(code) || code.includes('import.meta')
  if (isModule && !names.includes('package.json')) {
    entries.push({ name: 'package.json', data: Buffer.from('{\n  "type": "module"\n}\n') })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
  return entries
}

export function packageRunner({ from = path.join(root, 'dist', 'runner'), out = path.join(root, 'runner.zip') } = {}) {
  const entries = runnerEntries(from)
  const zip = zipEntries(entries)
  fs.writeFileSync(out, zip)
  return { out, size: zip.length, files: entries.map((entry) => ({ name: entry.name, size: entry.data.length })) }
}

function argument(name) {
  const at = process.argv.indexOf(name)
  return at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : undefined
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = packageRunner({ from: argument('--from'), out: argument('--out') })
    const files = result.files.map((file) => `${file.name} (${file.size} bytes)`).join(', ')
    console.log(`${path.relative(process.cwd(), result.out) || result.out}: ${result.size} bytes: ${files}`)
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
}
