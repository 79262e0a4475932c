/**
 * A bounded first-in first-out buffer: pushing onto a full one drops (and returns) the oldest item, in constant
 * time, without shifting an array. It grows as items arrive, up to `capacity`, so a large bound costs nothing
 * until it is used.
 */
export class RingBuffer<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#size;
  }

  /** Appends `item`; when the buffer was full, removes and returns the oldest item. A capacity of 0 keeps nothing. */
  push(item: T): T | undefined {
    if (this.capacity === 0) return item;
    const evicted = this.#size === this.capacity ? this.shift() : undefined;
    let items = this.#items;
    if (this.#size === items.length) {
      if (this.#head !== 0) {
        items = this.#items = [...items.slice(this.#head), ...items.slice(0, this.#head)];
        this.#head = 0;
      }
      items.push(item);
    } else {
      items[(this.#head + this.#size) % items.length] = item;
    }
    this.#size++;
    return evicted;
  }

  /** The oldest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) % items.length;
    this.#size--;
    return item;
  }

  /** The items, oldest first, as a new array. */
  toArray(): T[] {
    const items = this.#items;
    const out = new Array<T>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = items[(this.#head + i) % items.length] as T;
    return out;
  }
}
