/** Imports an optional peer dependency, as `() => import('prom-client')` does. */
export type PeerLoader = () => Promise<unknown>;

/**
 * Loads an optional peer dependency that an enabled option needs. The packages are imported only
 * when their option is on, so an application that leaves them off needs none of them installed.
 *
 * @param load imports the package
 * @param packageName the package's name on npm
 * @param neededBy what needs it, such as `The "metrics.prometheus" option`, opening the error
 * @returns the package's module, typed by the caller
 * @throws Error naming what needs the package and how to install it when the import fails
 */
export async function loadOptionalPeer<T>(
  load: PeerLoader,
  packageName: string,
  neededBy: string,
): Promise<T> {
  try {
    return (await load()) as T;
  } catch (cause) {
    throw new Error(
      `${neededBy} needs the package "${packageName}", which could not be loaded. ` +
        `Install it with \`npm install ${packageName}\`.`,
      { cause },
    );
  }
}
