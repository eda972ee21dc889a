/**
 * Lets Node run the sample application's TypeScript sources directly:
 * `node --import ./sample-app/register.js sample-app/main.ts`.
 */
import { register } from 'node:module';

register('./typescript.loader.js', import.meta.url);
