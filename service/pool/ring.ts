/**
 * A round-robin ring: `next()` hands out the members in turn; members join at the end and may leave at any time
 * without disturbing whose turn is next. The scheduler keeps one ring of owners per priority class, one ring of
 * requests per owner and one ring of encode calls per request.
 */
export class Ring<T> {
  private items: T[] = [];
  private cursor = 0;

  get size(): number {
    return this.items.length;
  }

  /** Adds a member at the end of the round (it gets its turn after everyone already waiting). */
  push(item: T): void {
    // Inserted just before the cursor: every member already in the ring is served once before it.
    this.items.splice(this.cursor, 0, item);
    this.cursor = (this.cursor + 1) % this.items.length;
  }

  /**
   * The member whose turn it is; the turn then passes on.
   *
   * @example const r = new Ring<string>(); r.push('a'); r.push('b'); [r.next(), r.next(), r.next()] // ['a', 'b', 'a']
   */
  next(): T | undefined {
    if (this.items.length === 0) return undefined;
    const item = this.items[this.cursor % this.items.length]!;
    this.cursor = (this.cursor + 1) % this.items.length;
    return item;
  }

  /** Removes a member; false when it was not there. */
  remove(item: T): boolean {
    const i = this.items.indexOf(item);
    if (i < 0) return false;
    this.items.splice(i, 1);
    if (i < this.cursor) this.cursor--;
    if (this.items.length === 0 || this.cursor >= this.items.length) this.cursor = 0;
    return true;
  }

  values(): readonly T[] {
    return this.items;
  }
}
