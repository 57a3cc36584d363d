/** Where the project lives: the repository field of every package.json, and the npm organisation. */
export const REPOSITORY_URL = 'https://github.com/trainlab/trainlab';
export const NPM_URL = 'https://www.npmjs.com/org/trainlab';
