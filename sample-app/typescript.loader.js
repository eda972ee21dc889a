/**
 * Module hooks that compile TypeScript files on load, one file at a time, with the project's
 * decorator settings. They check no types: `tsc` does that. A `./file.js` import from a
 * TypeScript file resolves to `./file.ts` when only the source exists.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: false,
  sourceMap: false,
  inlineSourceMap: true,
};

/** Resolves `.js` specifiers written in TypeScript sources to their `.ts` files. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const fromTypeScript = context.parentURL?.endsWith('.ts') ?? false;

    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !fromTypeScript || !specifier.endsWith('.js')) {
      throw error;
    }

    return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
  }
}

/** Compiles `.ts` files to ES modules; hands every other file to the next hook. */
export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) {
    return nextLoad(url, context);
  }

  const fileName = fileURLToPath(url);
  const source = await readFile(fileName, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName, compilerOptions });

  return { format: 'module', source: outputText, shortCircuit: true };
}
