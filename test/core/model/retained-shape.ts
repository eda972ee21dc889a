/**
 * Describes how much an object graph holds: for every object reachable from `root` through its own
 * properties, array elements and map or set entries, the number of its keys or elements, keyed by
 * the path it was first reached by. Two walks of a structure whose memory does not grow give equal
 * shapes, whatever the values of its numbers. Functions are leaves: closures cannot be walked.
 */
export function retainedShape(root: object): Record<string, number> {
  const shape: Record<string, number> = {};
  const seen = new Set<unknown>([root]);
  const queue: Array<[string, object]> = [['breaker', root]];

  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [path, value] = next;
    const children = childrenOf(value);

    shape[path] = ArrayBuffer.isView(value) ? value.byteLength : children.length;

    for (const [key, child] of children) {
      if (typeof child !== 'object' || child === null || seen.has(child)) continue;

      seen.add(child);
      queue.push([`${path}.${key}`, child]);
    }
  }

  return shape;
}

function childrenOf(value: object): Array<[string, unknown]> {
  if (ArrayBuffer.isView(value)) return [];

  if (value instanceof Map)
    return [...value].map(([key, entry], index) => [`${index}`, [key, entry]]);

  if (value instanceof Set) return [...value].map((entry, index) => [`${index}`, entry]);

  return Reflect.ownKeys(value).map((key) => [
    String(key),
    (value as Record<string | symbol, unknown>)[key],
  ]);
}
