/**
 * The relations the pending statements created before a given one, without copying a set per statement: one map
 * from each relation to the position of the first statement that creates it, read through a view per statement.
 */
export class CreatedRelations {
  private readonly firstCreated = new Map<string, number>()

  /** Records that the statement at `position` (in review order) creates `relation`. */
  add(relation: string, position: number): void {
    if (!this.firstCreated.has(relation)) this.firstCreated.set(relation, position)
  }

  /** The relations created by statements before `position`. */
  before(position: number): ReadonlySet<string> {
    return new CreatedBefore(this.firstCreated, position)
  }
}

class CreatedBefore implements ReadonlySet<string> {
  constructor(
    private readonly firstCreated: ReadonlyMap<string, number>,
    private readonly position: number
  ) {}

  has(relation: string): boolean {
    const created = this.firstCreated.get(relation)
    return created !== undefined && created < this.position
  }

  get size(): number {
    return [...this.values()].length
  }

  *values(): SetIterator<string> {
    for (const [relation, created] of this.firstCreated) if (created < this.position) yield relation
  }

  keys(): SetIterator<string> {
    return this.values()
  }

  *entries(): SetIterator<[string, string]> {
    for (const relation of this.values()) yield [relation, relation]
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const relation of this.values()) callback(relation, relation, this)
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values()
  }
}
