// zod/mini with zod's English messages, for the schemas the deployed functions run: mini is
// zod's tree-shakable build, so a bundle carries only the checks it uses (README "Performance").
// Unlike classic zod, mini registers no locale, and a check without a message of its own would
// say only "Invalid input"; so every runtime schema imports zod from here.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
