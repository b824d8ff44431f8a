/** renumber's words and its moves, checked as a whole before any folder is renamed. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs, UsageError } from '../../src/cli/args.js'
import { helpText } from '../../src/cli/help.js'
import {
  applyMoves,
  folderNamed,
  parseTarget,
  planMoves,
  renamed,
  RenumberRefusedError,
  type FolderOnDisk
} from '../../src/migrations/renumber.js'

const folders = (...names: string[]): FolderOnDisk[] => names.map((folder) => ({ folder, number: Number(/^v(\d+)/.exec(folder)![1]) }))
const DIR = 'migrations/resources'

test('--onto goes with renumber only, once', () => {
  expect(parseArgs(['renumber', '--onto', 'origin/main']).onto).toBe('origin/main')
  expect(parseArgs(['renumber', '--onto=upstream/main']).onto).toBe('upstream/main')
  expect(parseArgs(['renumber', '9', '10'])).toMatchObject({ command: 'renumber', args: ['9', '10'], onto: null })
  expect(() => parseArgs(['plan', '--onto', 'origin/main'])).toThrow(new UsageError('--onto goes with renumber, not plan'))
  expect(() => parseArgs(['--onto', 'x', 'plan'])).toThrow(/--onto goes with renumber, not plan/)
  expect(() => parseArgs(['renumber', '--onto', 'a', '--onto', 'b'])).toThrow(/--onto is given twice/)
  expect(helpText('renumber', '1.0.0')).toMatch(/^Usage: aurora-migrate renumber <from> <to> \| renumber --onto <ref>/)
  expect(helpText('renumber', '1.0.0')).toMatch(/--onto <ref> +Move every version the branch adds/)
  expect(helpText('plan', '1.0.0')).not.toContain('--onto')
})

test('a new number keeps the folder’s width, or takes the padded folders’ width beside it', () => {
  expect(renamed('v9_add_tags', 10, folders('v8_x'))).toBe('v10_add_tags')
  expect(renamed('v009_add_tags', 10, [])).toBe('v010_add_tags')
  expect(renamed('v9', 10, folders('v008_x'))).toBe('v010')
  expect(renamed('v0999_x', 1000, [])).toBe('v1000_x')
})

test('which folder a word names, and what a target number may be', () => {
  const twins = folders('v8_a', 'v9_add_tags', 'v9_add_users')
  expect(folderNamed(twins, 'v8', DIR).folder).toBe('v8_a')
  expect(folderNamed(twins, '8', DIR).folder).toBe('v8_a')
  expect(folderNamed(twins, 'v9_add_tags', DIR).folder).toBe('v9_add_tags')
  expect(() => folderNamed(twins, '9', DIR)).toThrow(/has 2 folders for v9 \(v9_add_tags, v9_add_users\): name the one to move/)
  expect(() => folderNamed(twins, 'v7', DIR)).toThrow(RenumberRefusedError)
  expect(parseTarget('v10')).toBe(10)
  for (const bad of ['0', '-1', 'ten', '2147483648', '1.5']) expect(() => parseTarget(bad)).toThrow(/is not a version number/)
})

test('moves are refused as a whole: a number kept by another folder, two folders to one number, a gap or a twin left', () => {
  const tree = folders('v1', 'v2', 'v3_a', 'v3_b')
  const [, , a, b] = tree
  expect(planMoves(tree, [{ folder: b, toNumber: 4 }], DIR, { consecutive: true, hint: 'h' })).toEqual([
    { from: 'v3_b', fromNumber: 3, to: 'v4_b', toNumber: 4 }
  ])
  expect(() => planMoves(tree, [{ folder: b, toNumber: 2 }], DIR, { consecutive: true, hint: 'h' })).toThrow(
    /v2 is taken: migrations\/resources\/v2 stays/
  )
  expect(() => planMoves(tree, [{ folder: b, toNumber: 5 }], DIR, { consecutive: true, hint: 'use --onto' })).toThrow(
    /v4 would be missing between v3 and v5 in migrations\/resources .*: use --onto/
  )
  expect(() =>
    planMoves(
      tree,
      [
        { folder: a, toNumber: 4 },
        { folder: b, toNumber: 4 }
      ],
      DIR,
      { consecutive: false, hint: '' }
    )
  ).toThrow(/v3_a and v3_b would both become v4/)
  // Swapping numbers is fine: the renames go through hidden names.
  const swap = folders('v1_x', 'v2_y')
  expect(
    planMoves(
      swap,
      [
        { folder: swap[0], toNumber: 2 },
        { folder: swap[1], toNumber: 1 }
      ],
      DIR,
      { consecutive: true, hint: '' }
    )
  ).toHaveLength(2)
})

test('applyMoves swaps two folders through hidden names, and undoes every rename when one cannot be made', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-renumber-'))
  fs.mkdirSync(path.join(root, 'v1_x'))
  fs.writeFileSync(path.join(root, 'v1_x', '01.sql'), 'select 1;\n')
  fs.mkdirSync(path.join(root, 'v2_y'))
  fs.writeFileSync(path.join(root, 'v2_y', '01.sql'), 'select 2;\n')
  applyMoves(root, [
    { from: 'v1_x', fromNumber: 1, to: 'v2_x', toNumber: 2 },
    { from: 'v2_y', fromNumber: 2, to: 'v1_y', toNumber: 1 }
  ])
  expect(fs.readdirSync(root).sort()).toEqual(['v1_y', 'v2_x'])
  expect(fs.readFileSync(path.join(root, 'v2_x', '01.sql'), 'utf8')).toBe('select 1;\n')

  // v3_z appeared after the moves were planned: the first rename is undone, no hidden folder is left.
  fs.mkdirSync(path.join(root, 'v3_z'))
  expect(() =>
    applyMoves(root, [
      { from: 'v1_y', fromNumber: 1, to: 'v4_y', toNumber: 4 },
      { from: 'v2_x', fromNumber: 2, to: 'v3_z', toNumber: 3 }
    ])
  ).toThrow(/v3_z appeared in the meantime; nothing was left renamed/)
  expect(fs.readdirSync(root).sort()).toEqual(['v1_y', 'v2_x', 'v3_z'])
})
