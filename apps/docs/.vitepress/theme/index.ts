import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { defineAsyncComponent, h } from 'vue';
import SiteFooter from './components/SiteFooter.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  // The license, versions and links at the bottom of every page.
  Layout: () => h(DefaultTheme.Layout, null, { 'layout-bottom': () => h(SiteFooter) }),
  enhanceApp({ app }) {
    // The demos run TensorFlow.js and the solvers: loaded only in the browser (they sit inside
    // <ClientOnly>), so the static render never evaluates them.
    app.component(
      'RankCollapseDemo',
      defineAsyncComponent(() => import('./components/RankCollapseDemo.vue')),
    );
    app.component(
      'DirectSearchDemo',
      defineAsyncComponent(() => import('./components/DirectSearchDemo.vue')),
    );
    app.component(
      'MinimaxDemo',
      defineAsyncComponent(() => import('./components/MinimaxDemo.vue')),
    );
  },
} satisfies Theme;
