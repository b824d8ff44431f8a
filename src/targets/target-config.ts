/** Which transport a run uses and where it points, as configuration reads it (config.ts validates it). */
export type TargetConfig =
  | { kind: 'data-api'; resourceArn: string; secretArn: string; database: string | null }
  | { kind: 'postgres'; url: string }
  /** A direct mysql:// URL (src/targets/mysql/url.ts checks it). */
  | { kind: 'mysql-url'; url: string }
  | { kind: 'lambda'; functionName: string }
