/** The migrations on disk, as `discover` reads them. */

/** One SQL statement cut out of a migration file, with where it starts (1-based line and column). */
export interface Statement {
  sql: string
  /** Path of the file, relative to the workspace (what an annotation needs). */
  file: string
  line: number
  column: number
}

export interface MigrationFile {
  /** File name inside its version folder, e.g. `01_create_users.sql`. */
  name: string
  /** Path relative to the workspace, for annotations and messages. */
  path: string
  /** `sha256:<hex>` of the text with a BOM removed and line endings normalised to LF. */
  checksum: string
  /** The text as checksummed: no BOM, LF line endings (shown in plan comments). */
  text: string
  statements: Statement[]
  /**
   * The file's first line is `-- migrate:no-transaction`: its statements run one by one, each committed
   * on its own, outside any transaction (CREATE INDEX CONCURRENTLY, VACUUM …).
   */
  noTransaction: boolean
}

export interface Version {
  number: number
  /** From the folder name `v<N>_<description>`; empty when the folder is just `v<N>`. */
  description: string
  /** Folder path relative to the workspace. */
  dir: string
  files: MigrationFile[]
  /** `sha256:<hex>` over the file names and checksums, in order. */
  checksum: string
}
