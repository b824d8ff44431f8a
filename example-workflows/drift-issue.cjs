// One open issue per database while it drifts (see drift-nightly.yml): found by a hidden marker in its body, edited
// in place while the drift lasts, closed with a comment the first night it is gone. Everything from the run comes
// through the environment (DRIFT_NAME, DRIFT: the schema-drift output, SUMMARY: the summary output).
const LABEL = 'schema-drift'
// An issue body holds at most 65,536 characters.
const MAX_BODY = 60_000

module.exports = async ({ github, context, core }) => {
  const name = process.env.DRIFT_NAME
  const drift = JSON.parse(process.env.DRIFT)
  const marker = `<!-- aurora-migrate schema-drift: ${name.replace(/--/g, '- -')} -->`
  const issues = await github.paginate(github.rest.issues.listForRepo, { ...context.repo, state: 'open', labels: LABEL, per_page: 100 })
  const open = issues.find((issue) => !issue.pull_request && (issue.body ?? '').startsWith(marker))
  const run = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`

  if (!drift.drift) {
    if (!open) return core.info(`${name}: no drift`)
    await github.rest.issues.createComment({
      ...context.repo,
      issue_number: open.number,
      body: `No drift any more ([run](${run})): closing.`
    })
    await github.rest.issues.update({ ...context.repo, issue_number: open.number, state: 'closed', state_reason: 'completed' })
    return core.info(`${name}: drift gone, closed #${open.number}`)
  }

  const summary = process.env.SUMMARY ?? ''
  const cut = summary.length > MAX_BODY ? `${summary.slice(0, MAX_BODY)}\n\n… cut: the [run](${run})'s summary has the rest.` : summary
  const body = `${marker}\n${cut}\n\nLast checked: [run](${run}).`
  const title = `Schema drift: ${name} (${drift.count} ${drift.count === 1 ? 'difference' : 'differences'})`
  if (open) {
    await github.rest.issues.update({ ...context.repo, issue_number: open.number, title, body })
    core.warning(`${name}: drift, updated #${open.number}`)
  } else {
    const created = await github.rest.issues.create({ ...context.repo, title, body, labels: [LABEL] })
    core.warning(`${name}: drift, opened #${created.data.number}`)
  }
}
