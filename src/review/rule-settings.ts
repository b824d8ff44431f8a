/**
 * Per-rule severities (input `rules`, or `rules:` in the settings file): a rule's findings at another severity
 * everywhere — the comment, the annotations, fail-on's verdict — or `off`, waived as ignore-rules waives them.
 */
import { InputError } from '../errors.js'
import { closest } from '../suggest.js'
import { SEVERITIES, type Finding, type Severity } from './types.js'

export type RuleSetting = Severity | 'off'
export const RULE_SETTINGS: readonly RuleSetting[] = [...SEVERITIES, 'off']

/**
 * `index-not-concurrent=error, serial-column=off` (commas or line breaks between): each id known, each severity one of
 * RULE_SETTINGS. A rule named twice takes the later severity (the settings file's come first, the input's after).
 */
export function parseRuleSettings(raw: string, known: readonly string[] | undefined): Record<string, RuleSetting> {
  const settings: Record<string, RuleSetting> = {}
  for (const item of raw.split(/[,\n]/).map((each) => each.trim())) {
    if (!item) continue
    const match = /^([^=:\s]+)\s*[=:]\s*(\S+)$/.exec(item)
    if (!match) throw new InputError('rules', `'${item}' is not <rule-id>=<severity> (for example index-not-concurrent=error)`)
    const [, id, given] = match
    const severity = given.toLowerCase()
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new InputError('rules', `'${id}' is not a rule id`)
    if (known && !known.includes(id)) {
      const near = closest(id, known)
      throw new InputError(
        'rules',
        `'${id}' is not a rule of the review: ${near ? `did you mean ${near}? ` : ''}See docs/rules.md for the ids`
      )
    }
    if (!(RULE_SETTINGS as readonly string[]).includes(severity)) {
      const near = closest(severity, RULE_SETTINGS)
      throw new InputError('rules', `${id}: '${given}' is not one of ${RULE_SETTINGS.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`)
    }
    settings[id] = severity as RuleSetting
  }
  return settings
}

/** The findings with the settings applied: a new severity, or `off` (waived, unless a comment waived it already). */
export function applyRuleSettings(findings: Finding[], settings: Readonly<Record<string, RuleSetting>> | undefined): Finding[] {
  if (!settings || !Object.keys(settings).length) return findings
  return findings.map((finding) => {
    const setting = settings[finding.rule]
    if (setting === undefined) return finding
    if (setting === 'off') return finding.waived ? finding : { ...finding, waived: { reason: 'off in the rules setting', by: 'input' } }
    return { ...finding, severity: setting }
  })
}
