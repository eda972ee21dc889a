import type { ModulesContainer } from '@nestjs/core';

/** A module of a Nest application, as its container holds it. */
export type NestModule = ModulesContainer extends Map<string, infer M> ? M : never;

/**
 * Tells whether the providers of `host` can inject what `target` exports: `host` is `target`,
 * imports it (Nest adds a global module to the imports of every module), or imports a module that
 * re-exports it, at any depth.
 */
function canSee(host: NestModule, target: NestModule): boolean {
  return host === target || reachesThroughImports(host, target, new Set());
}

function reachesThroughImports(
  host: NestModule,
  target: NestModule,
  visited: Set<NestModule>,
): boolean {
  for (const imported of host.imports) {
    if (imported === target) return true;
    if (visited.has(imported)) continue;

    visited.add(imported);

    const reExports = imported.exports.has(target.metatype);

    if (reExports && reachesThroughImports(imported, target, visited)) return true;
  }

  return false;
}

/** The modules of `container` built from `moduleClass`: one per import of `forRoot()`. */
export function instancesOf(container: ModulesContainer, moduleClass: unknown): NestModule[] {
  return [...container.values()].filter((module) => module.metatype === moduleClass);
}

/**
 * Chooses which of `instances` serves the providers of `host`: the one its module sees, or among
 * several the one of its own imports, which wins over a global one as it does when Nest resolves
 * a provider. Returns what keeps it from choosing when there is no single one.
 */
export function chooseInstance(
  host: NestModule | undefined,
  instances: readonly NestModule[],
): NestModule | string {
  const seen = host === undefined ? [] : instances.filter((module) => canSee(host, module));
  const imported = seen.filter((module) => !module.isGlobal);
  const candidates = imported.length > 0 ? imported : seen;

  if (candidates.length === 1) return candidates[0];

  if (candidates.length === 0) return 'imports none of them';

  return imported.length > 0
    ? `imports ${imported.length} of them`
    : `sees ${seen.length} global ones`;
}
