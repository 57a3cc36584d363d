import { existsSync, readFileSync } from 'node:fs';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { NPM_URL, REPOSITORY_URL } from './theme/links';

// Written by TypeDoc (scripts/generate.ts runs before every build and dev server).
const sidebarFile = new URL('../api/typedoc-sidebar.json', import.meta.url);
const apiSidebar: DefaultTheme.SidebarItem[] = existsSync(sidebarFile)
  ? JSON.parse(readFileSync(sidebarFile, 'utf8'))
  : [];

// The site is served under `base` (GitHub Pages serves it under /trainlab/); tests and previews
// serve it at the root unless DOCS_BASE says otherwise.
const base = process.env.DOCS_BASE ?? '/';

export default defineConfig({
  base,
  title: 'trainlab',
  description:
    'Trainability at initialization: rank collapse in transformers and direct search for stochastic min-max, as npm packages with live demos.',
  cleanUrls: true,
  lastUpdated: false,
  // Every internal link must resolve: a dead link fails the build.
  ignoreDeadLinks: false,
  head: [
    ['meta', { name: 'theme-color', content: '#2e6f95' }],
    ['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }],
  ],
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Guide', link: '/guide/' },
      { text: 'Demos', link: '/demos/rank-collapse' },
      { text: 'Theory', link: '/theory' },
      { text: 'CLI', link: '/cli' },
      { text: 'Experiments', link: '/experiments' },
      { text: 'API', link: '/api/' },
    ],
    // The repository and the packages on npm, as icons at the right of the nav bar.
    socialLinks: [
      { icon: 'github', link: REPOSITORY_URL, ariaLabel: 'trainlab on GitHub' },
      { icon: 'npm', link: NPM_URL, ariaLabel: 'the @trainlab packages on npm' },
    ],
    sidebar: {
      '/guide/': [
        {
          text: 'Guide',
          items: [
            { text: 'Getting started', link: '/guide/' },
            { text: '@trainlab/tensor', link: '/guide/tensor' },
            { text: '@trainlab/attention', link: '/guide/attention' },
            { text: '@trainlab/diagnostics', link: '/guide/diagnostics' },
            { text: '@trainlab/dfo', link: '/guide/dfo' },
            { text: '@trainlab/random', link: '/guide/random' },
            { text: '@trainlab/runner', link: '/guide/runner' },
            { text: 'The trainlab CLI', link: '/guide/cli' },
            { text: 'Many machines', link: '/guide/many-machines' },
          ],
        },
      ],
      '/demos/': [
        {
          text: 'Live demos',
          items: [
            { text: 'Rank-collapse explorer', link: '/demos/rank-collapse' },
            { text: 'Direct search in 2-D', link: '/demos/direct-search' },
            { text: 'Min-max games', link: '/demos/minimax' },
          ],
        },
      ],
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar }],
    },
    search: { provider: 'local' },
    outline: [2, 3],
  },
  vite: {
    // tfjs is large; one chunk per demo dependency is fine for a docs site.
    build: { chunkSizeWarningLimit: 4096 },
    // The explorer's worker is a module worker: it loads the wasm backend with a dynamic import.
    worker: { format: 'es' },
  },
});
