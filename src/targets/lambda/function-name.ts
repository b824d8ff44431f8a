/**
 * The Lambda function-name grammar, the one place it is written: a function name, `name:alias`, or an
 * ARN (full, or partial `account:function:name`), optionally ending with `:qualifier` (an alias,
 * a version or $LATEST). Configuration validates the input with it and the transport reads it.
 */

const QUALIFIER = '(\\$LATEST|[A-Za-z0-9_-]{1,128})'
const FULL_ARN = new RegExp(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:([A-Za-z0-9_-]{1,64})(?::${QUALIFIER})?$`)
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:([A-Za-z0-9_-]{1,64})(?::${QUALIFIER})?$`)
const PLAIN_NAME = new RegExp(`^([A-Za-z0-9_-]{1,64})(?::${QUALIFIER})?$`)

export interface FunctionIdentity {
  /** The function's name, without ARN or qualifier. */
  name: string
  /** The alias or version named in the function name, if any. */
  qualifier?: string
  /** The region of a full ARN. */
  region?: string
}

/** Whether `functionName` is something Invoke's FunctionName accepts: a name, a partial or a full ARN, each with an optional qualifier. */
export function isFunctionName(functionName: string): boolean {
  return FULL_ARN.test(functionName) || PARTIAL_ARN.test(functionName) || PLAIN_NAME.test(functionName)
}

/** Reads the name, qualifier and region out of what Invoke's FunctionName accepts. */
export function parseFunctionName(functionName: string): FunctionIdentity {
  const full = FULL_ARN.exec(functionName)
  if (full) return { name: full[3], qualifier: full[4], region: full[1] }
  const partial = PARTIAL_ARN.exec(functionName)
  if (partial) return { name: partial[2], qualifier: partial[3] }
  const plain = PLAIN_NAME.exec(functionName)
  if (plain) return { name: plain[1], qualifier: plain[2] }
  return { name: functionName }
}
