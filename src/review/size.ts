/** A size as the review's messages give it: `1.2 GB`, `8 MB`; `kilo` is the dialect's spelling of the kilobyte. */
export function formatSize(bytes: number, kilo: 'kB' | 'KB' = 'kB'): string {
  const units = ['bytes', kilo, 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '')
  return `${shown} ${units[unit]}`
}
