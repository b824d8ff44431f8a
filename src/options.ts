/**
 * The one definition of the options: every action input (action.yml's `inputs`), every command-line flag
 * of the same name, the inputs table of docs/inputs.md and `aurora-migrate --help` come from this table; a test
 * keeps action.yml and docs/inputs.md in step with it. config.ts validates each value the same way whichever
 * way it came, and its errors name the input, which the command line shows as the flag.
 */

export interface OptionSpec {
  /** The input's name, and the flag's (`--name`). */
  name: string
  /**
   * `flag`: an input and a flag; `command`: the action's `command` input, the command line's first word;
   * `action-only`: about GitHub (comments, deployments), refused by the command line with a word on why.
   */
  use: 'flag' | 'command' | 'action-only'
  /** true / false; on the command line `--name`, `--no-name` or `--name=false`. */
  boolean?: true
  /** What the value looks like, for --help. */
  value?: string
  /**
   * The built-in default (config.ts falls back to the same value). action.yml declares it only for an input the
   * settings file cannot set (settings/settings-file.ts NOT_IN_SETTINGS_FILE): for every other input the action
   * must tell one left out, where the file's value applies, from one given.
   */
  default?: string
  /** The default as the README shows it, when it is not the default in backticks. */
  shownDefault?: string
  /** One line for the README's table and --help (Markdown). */
  summary: string
  /** --help's line instead of `summary`, where the action's words do not fit the command line. */
  cliSummary?: string
  /** action.yml's description. */
  description: string
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'command',
    use: 'command',
    value: 'plan|apply|validate|baseline|repair|targets|drift',
    default: 'plan',
    summary:
      "`plan` shows what would run and changes nothing; `apply` applies pending versions; `validate`, `baseline` and `repair`: see [Operations](operations.md); `targets` reads a [fleet](fleets.md)'s targets file and sets `matrix`, touching no database. `drift` reports what changed in the database that no migration did: see [Drift](drift.md).",
    description:
      '`plan` shows what would run and changes nothing; `apply` applies pending versions; `validate` fails on drift, missing, out-of-order or partly applied versions and changes nothing; `baseline` records versions as applied without running them; `repair` accepts reviewed drift and clears a stale lease, never running migration SQL; `targets` reads the targets file of a fleet and sets the `matrix` output, touching no database; `drift` reports what changed in the database that no migration did, with the SQL both ways, and fails when it finds any.'
  },
  {
    name: 'migrations-dir',
    use: 'flag',
    value: '<dir>',
    default: 'migrations/resources',
    summary: 'Folder of version folders, relative to the workspace.',
    cliSummary: 'Folder of version folders, relative to the current folder (it may lie outside it).',
    description:
      'Folder of version folders (`v1/`, `v2_add_notes/`, …) whose `.sql` files run in file-name order. Relative to the workspace.'
  },
  {
    name: 'resource-arn',
    use: 'flag',
    value: '<arn>',
    summary: 'Aurora cluster ARN (RDS Data API). With `secret-arn`.',
    description: 'ARN of the Aurora cluster (RDS Data API). Use with `secret-arn`; not with `database-url`.'
  },
  {
    name: 'secret-arn',
    use: 'flag',
    value: '<arn>',
    summary: 'Secrets Manager secret ARN of the database user (RDS Data API).',
    description: "ARN of the Secrets Manager secret with the database user's credentials (RDS Data API)."
  },
  {
    name: 'database',
    use: 'flag',
    value: '<name>',
    summary: 'Database name on the cluster (Data API).',
    description: "Database name on the cluster (RDS Data API). Defaults to the secret's or the cluster's default database."
  },
  {
    name: 'database-url',
    use: 'flag',
    value: '<url>',
    summary:
      'Direct connection instead of the Data API: `postgres://user:password@host:5432/db` or `mysql://user:password@host:3306/db`. Pass it from a secret.',
    description:
      'A direct connection instead of the Data API: `postgres://user:password@host:5432/db` or `mysql://user:password@host:3306/db`. Pass it from a secret; the password is masked in logs.'
  },
  {
    name: 'lambda-function',
    use: 'flag',
    value: '<name|arn>',
    summary: 'The [runner Lambda](runner-lambda.md) to send the SQL through (name or ARN, optionally `:alias`), instead of the Data API.',
    description:
      'The runner Lambda (runner/, deployed inside the VPC) to send the SQL through, instead of the Data API: a function name or ARN, optionally with :alias or :version. The workflow role needs only lambda:InvokeFunction on it.'
  },
  {
    name: 'targets',
    use: 'flag',
    value: '<file>',
    summary:
      'A [fleet](fleets.md): a YAML file in the repository naming many databases (`defaults:` and `targets:`, with `wave`, `databases-query`, `schemas-query`). Plan and apply run on each; one comment, one summary. Not with the connection inputs above.',
    description:
      'A fleet: the path of a YAML file in the repository naming many databases (defaults: and targets:, each target with its own connection inputs, wave, databases-query or schemas-query). plan and apply run on each with one plan comment and one summary. Not with database-url, resource-arn, secret-arn, database or lambda-function (the file gives them). See docs/fleets.md.'
  },
  {
    name: 'concurrency',
    use: 'flag',
    value: '<n>',
    default: '4',
    summary: 'With `targets`: at most this many databases migrate at once (1 to 64), each under its own lease.',
    description: 'With targets: at most this many databases migrate (or are planned) at once, from 1 to 64, each under its own lease.'
  },
  {
    name: 'on-error',
    use: 'flag',
    value: 'stop|continue',
    default: 'stop',
    summary:
      'With `targets`: `stop` — a target that fails or is refused stops the fleet (nothing new starts; running targets finish the version they are on); `continue` — the others go on.',
    description:
      'With targets: stop (a target that fails or is refused stops the fleet: later waves and targets not yet started are skipped, running targets finish the version they are on) or continue (every other target still runs). The step fails when any target failed or was refused.'
  },
  {
    name: 'only',
    use: 'flag',
    value: '<name,glob…>',
    summary:
      'With `targets`: run only the targets with these names (globs with `*` and `?`, separated by commas: `canary`, `tenants/*`): one slice of the fleet per job of a `strategy.matrix`.',
    description:
      'With targets: run only the targets with these names, globs allowed (* and ?), separated by commas, for example canary or tenants/*. With the matrix output, a fleet larger than one job spreads over a strategy.matrix, each job taking its slice.'
  },
  {
    name: 'engine',
    use: 'flag',
    value: 'auto|postgresql|mysql',
    default: 'auto',
    summary:
      'The database engine: Aurora PostgreSQL or Aurora MySQL. `auto` asks the server once (one call over the Data API or the runner Lambda); a `postgres://` or `mysql://` URL says it. See [Aurora MySQL](mysql.md).',
    description:
      "The database engine: auto (ask the server once, or read the database-url scheme), postgresql (Aurora PostgreSQL) or mysql (Aurora MySQL 3). Without a connection (a fork's pull request) auto reads the migrations as PostgreSQL: set it for MySQL."
  },
  {
    name: 'meta-table',
    use: 'flag',
    value: '<[schema.]table>',
    default: 'schema_migrations',
    summary: "`table` (in the database's default schema) or `schema.table`. The lease table `<table>_lock` sits beside it.",
    description:
      "Table recording applied versions: `table` (in the database's default schema) or `schema.table`. The lease table `<table>_lock` sits beside it."
  },
  {
    name: 'target-version',
    use: 'flag',
    value: '<n>',
    summary: 'Apply (or plan) up to and including this version only.',
    description: 'Apply (or plan) up to and including this version only.'
  },
  {
    name: 'wait-timeout',
    use: 'flag',
    value: '<duration>',
    default: '10min',
    summary:
      "How long to wait for another run's migration lease before failing, and on MySQL for sessions holding a table's metadata lock before a DDL (`30s`, `10min`, `1h`; a bare number is seconds).",
    description:
      "How long to wait for another run's migration lease before failing, and on MySQL for sessions holding a table's metadata lock before a DDL, e.g. 30s, 10min, 1h (a bare number is seconds)."
  },
  {
    name: 'lease-ttl',
    use: 'flag',
    value: '<duration>',
    default: '60s',
    summary:
      "How long a lease lives without renewal: how soon a crashed run's lease can be taken over (`5s` to `1h`; a bare number is seconds).",
    description:
      "How long a migration lease lives without renewal, e.g. 60s or 2min (a bare number is seconds); a run renews it while it works, so this only decides how soon a crashed run's lease can be taken over."
  },
  {
    name: 'resume-timeout',
    use: 'flag',
    value: '<duration>',
    default: '5min',
    summary: 'How long to wait for an auto-paused Serverless v2 cluster to resume (Data API; a bare number is seconds).',
    description:
      'How long to wait for an auto-paused Aurora Serverless v2 cluster to resume (RDS Data API), e.g. 90s or 5min (a bare number is seconds).'
  },
  {
    name: 'lock-timeout',
    use: 'flag',
    value: '<duration>',
    default: '5s',
    summary:
      'How long a migration waits for a lock (`5s`, `500ms`; a bare number is milliseconds): it gives up instead of blocking every query on the table behind it, and is retried. PostgreSQL: `SET LOCAL lock_timeout` of each version; MySQL: `lock_wait_timeout` for DDL, `innodb_lock_wait_timeout` for DML. `0`: no limit.',
    description:
      "How long a migration waits for a lock, e.g. 5s, 500ms, 0 for none (a bare number is milliseconds): it gives up instead of blocking every query on the table behind it, and is retried. PostgreSQL: lock_timeout of each version's transaction (SET LOCAL); MySQL: lock_wait_timeout for each DDL statement and innodb_lock_wait_timeout for DML."
  },
  {
    name: 'lock-retries',
    use: 'flag',
    value: '<n>',
    default: '3',
    summary: 'How often a version (or a MySQL statement) that gave up waiting for a lock, or hit a deadlock, is retried, with backoff.',
    description:
      'How often a version that gave up waiting for a lock (PostgreSQL SQLSTATE 55P03, MySQL error 1205) or hit a deadlock is retried, with backoff: rolled back first, or on MySQL resumed at the statement that gave up (it had no effect).'
  },
  {
    name: 'statement-timeout',
    use: 'flag',
    value: '<duration>',
    summary:
      "How long one version's statements may run (e.g. `10min`; a bare number is milliseconds). PostgreSQL: `SET LOCAL statement_timeout`; MySQL (which has none for DDL): a statement still running then is killed. Default: no limit of ours.",
    description:
      "How long one version's statements may run, e.g. 10min (a bare number is milliseconds). PostgreSQL: statement_timeout of each version's transaction (SET LOCAL); MySQL, which has no statement timeout for DDL: a statement run alone that is still running then is killed. Default: the database's setting."
  },
  {
    name: 'allow-out-of-order',
    use: 'flag',
    boolean: true,
    default: 'false',
    summary: 'Apply pending versions numbered below the current one (branches merged in any order) instead of refusing.',
    description: 'Apply pending versions numbered below the current one (branches merged in any order) instead of refusing.'
  },
  {
    name: 'baseline-version',
    use: 'flag',
    value: '<n>',
    summary: '`command: baseline`: record v1..vN as applied without running them.',
    description: 'command: baseline — record versions 1..N as applied without running them (a database created by other means).'
  },
  {
    name: 'baseline-from',
    use: 'flag',
    value: 'sequelize',
    summary:
      '`command: baseline`: `sequelize` takes N from the `"SequelizeMeta"` table (see [Adopting a sequelize-cli setup](operations.md#adopting-a-sequelize-cli-setup)).',
    description: 'command: baseline — `sequelize`: take N from the "SequelizeMeta" table of the sequelize-cli setup being replaced.'
  },
  {
    name: 'repair-step',
    use: 'flag',
    value: '<version>:<step>=done|not-done',
    summary:
      '`command: repair`: settle a statement of a partly applied version that a run sent without learning whether it took effect (`7:3=done`: it did; `7:3=not-done`: it did not). The next apply resumes after it, or runs it again.',
    description:
      'command: repair — settle a statement of a partly applied version that a run sent without learning whether it took effect: 7:3=done (step 3 of v7 took effect) or 7:3=not-done (it did not). The next apply resumes after it, or runs it again. Nothing is run.'
  },
  {
    name: 'environment',
    use: 'flag',
    value: '<name>',
    shownDefault: 'see text',
    summary:
      "Names the target in comments, the sticky comment's marker and deployment statuses (`staging`, `production`). Default: `<cluster>/<database>` (Data API), the database name of `database-url`, or `migrations-dir` when there is no target. Never holds a secret. Also picks the [settings file](settings-file.md)'s section under `environments:`.",
    cliSummary:
      'Names the target in the output (staging, production). Default: <cluster>/<database> (Data API), the database name of --database-url, or the migrations folder without a database. Also picks the section of the settings file under environments:.',
    description:
      "Names the target in comments, deployment statuses and the sticky comment's marker (for example staging or production). Default: the cluster name and database (Data API), the database name of database-url, or migrations-dir when there is no target. Never holds a secret. Also picks the section of the settings file under environments:."
  },
  {
    name: 'comment',
    use: 'action-only',
    boolean: true,
    default: 'true',
    summary:
      '`plan` on pull requests: one sticky comment per environment. `apply` after a push: a comment on the pull requests the commit came from. A comment that cannot be posted only warns.',
    description:
      '`plan` on pull requests: upsert one sticky comment per environment. `apply` on push: comment on the pull requests the commit came from. A comment that cannot be posted only warns.'
  },
  {
    name: 'github-token',
    use: 'action-only',
    value: '<token>',
    default: '${{ github.token }}',
    summary: 'For comments (`pull-requests: write`) and deployment statuses (`deployments: write`).',
    description: 'Token for comments and deployment statuses. Needs `pull-requests: write` (comments) and `deployments: write` (statuses).'
  },
  {
    name: 'verify',
    use: 'flag',
    boolean: true,
    default: 'true',
    summary: '`plan` also applies every version from scratch to a throwaway database of the same engine.',
    cliSummary:
      "plan also applies every version from scratch to a throwaway database of the same engine (this machine's PostgreSQL, MySQL or MariaDB binaries, or --shadow-database-url).",
    description:
      '`plan` also applies every version from scratch to a throwaway database of the same engine and reports pass/fail per version.'
  },
  {
    name: 'shadow-database-url',
    use: 'flag',
    value: '<url>',
    summary:
      "A server of the target's engine for verification (a scratch database is created and dropped in it). Without it, a throwaway server is started from the runner's PostgreSQL or MySQL binaries.",
    cliSummary:
      "A server of the target's engine for verification (a scratch database is created and dropped in it), instead of a throwaway one.",
    description:
      "A server of the target's engine for verification (for example a `services: postgres` or `services: mysql` container); a scratch database is created and dropped in it. Without it, a throwaway server is started from the runner's PostgreSQL or MySQL binaries (GitHub's Ubuntu runners have both)."
  },
  {
    name: 'check-drift',
    use: 'flag',
    boolean: true,
    default: 'false',
    summary:
      "`plan` also reads the database's whole catalog (one call more) and says in the comment whether it drifted from its applied migrations. See [Drift](drift.md).",
    description:
      "`plan` also reads the database's whole catalog (one call more) and says in the comment which objects differ from what the applied migrations make (changed by other means). Needs verification and a pending version; `command: drift` gives the SQL."
  },
  {
    name: 'deployment-id',
    use: 'action-only',
    value: '<id>',
    summary: "Post a `success`/`failure` deployment status to this deployment (on `deployment` events, the event's deployment).",
    description:
      "Post a deployment status (success/failure, with the one-line summary and the run link) to this deployment. On `deployment` events the event's deployment is used."
  },
  {
    name: 'fail-on',
    use: 'flag',
    value: 'error|warning|notice|never',
    default: 'error',
    summary:
      '`plan` fails the step, after posting the comment and setting the outputs, when the [review](review.md#review) has an unwaived finding of this severity or higher: `error`, `warning`, `notice` (any finding) or `never` (report only).',
    cliSummary:
      'plan and review exit 1 when the review has an unwaived finding of this severity or higher: error, warning, notice (any finding) or never (report only).',
    description:
      '`plan` fails the step (after posting the comment and setting the outputs) when the review has an unwaived finding of this severity or higher: `error`, `warning`, `notice` (any finding), or `never` to report only.'
  },
  {
    name: 'ignore-rules',
    use: 'flag',
    value: '<id,id…>',
    summary:
      'Review rule ids to waive for the whole repository, separated by commas (`timestamp-without-time-zone, serial-column`). An unknown id is an input error.',
    cliSummary:
      'Review rule ids to waive, separated by commas (timestamp-without-time-zone,serial-column). An unknown id is refused, with the nearest known one suggested.',
    description:
      'Review rule ids to waive for the whole repository, separated by commas (for example `timestamp-without-time-zone, serial-column`). An id the review does not know is an input error. To waive one statement, put `-- aurora-migrate:ignore <rule-id> <reason>` on the line before it.'
  },
  {
    name: 'rules',
    use: 'flag',
    value: '<id=severity,…>',
    summary:
      "Review rules at another severity, separated by commas (`index-not-concurrent=error, serial-column=off`): `error`, `warning`, `notice`, or `off` (waived, as by `ignore-rules`). The comment, the annotations and `fail-on` all see the new severity. Merged rule by rule over the [settings file](settings-file.md)'s `rules:`.",
    cliSummary:
      "Review rules at another severity, separated by commas (index-not-concurrent=error,serial-column=off): error, warning, notice or off. Merged rule by rule over the settings file's rules:.",
    description:
      'Review rules at another severity, separated by commas, for example `index-not-concurrent=error, serial-column=off`: error, warning, notice, or off (waived, as by ignore-rules). The comment, the annotations and fail-on all see the new severity. Merged rule by rule over the rules: of the settings file.'
  },
  {
    name: 'config',
    use: 'flag',
    value: '<file>',
    shownDefault: '`aurora-migrate.yml`',
    summary:
      "The [settings file](settings-file.md): defaults for these inputs, per environment too. Default: `aurora-migrate.yml` at the repository's root, if there is one. An input given in the workflow wins over the file.",
    cliSummary:
      "The settings file: defaults for these flags, per environment too (--environment). Default: aurora-migrate.yml at the git repository's root, if there is one. A flag wins over the file.",
    description:
      "The settings file (docs/settings-file.md): defaults for these inputs, and per environment (environments:, chosen by the environment input). Default: aurora-migrate.yml at the workspace's root, if there is one. An input given in the workflow wins over the file, the file over the built-in default."
  },
  {
    name: 'sql-output',
    use: 'flag',
    value: '<file>',
    summary:
      '`plan` also writes the [SQL script](sql-output.md) of what `apply` would send to this database (a file inside the workspace, for review or a DBA): `psql -v ON_ERROR_STOP=1 -f` it on that database. PostgreSQL only.',
    cliSummary:
      'plan also writes the SQL script of what apply would send to this database to this file (inside the current folder); --sql prints it instead. PostgreSQL only.',
    description:
      "With command plan: also write the SQL script of exactly what apply would send to this database (statements, session settings, the meta tables' creation and rows, packed form) to this file, a path inside the workspace. Run it with psql -v ON_ERROR_STOP=1 -f on that database. PostgreSQL only. See docs/sql-output.md."
  }
]

/** The options that are command-line flags (`--name`). */
export const FLAG_OPTIONS: readonly OptionSpec[] = OPTIONS.filter((option) => option.use === 'flag')

export function optionNamed(name: string): OptionSpec | undefined {
  return OPTIONS.find((option) => option.name === name)
}

/** The inputs table of docs/inputs.md, row for row (docs.test.ts compares them); its links are relative to docs/. */
export function inputsTable(): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|')
  const rows = OPTIONS.map((option) => {
    const shown = option.shownDefault ?? (option.default !== undefined ? `\`${option.default}\`` : '')
    return `| \`${option.name}\` |${shown ? ` ${shown} ` : ' '}| ${escape(option.summary)} |`
  })
  return ['| Input | Default | Description |', '|---|---|---|', ...rows].join('\n')
}
