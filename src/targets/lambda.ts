/**
 * The runner Lambda transport, in lambda/: the target (target.ts), what Lambda and the runner answer
 * (answers.ts) and the function-name grammar (function-name.ts).
 */
export { createLambdaTarget, type LambdaTargetOptions } from './lambda/target.js'
export { isFunctionName, parseFunctionName, type FunctionIdentity } from './lambda/function-name.js'
