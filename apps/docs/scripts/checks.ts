/**
 * The pure parts of the site generation, kept apart so that tests can check them: which packages
 * are documented, how README links are rewritten, and which exports lack TSDoc.
 */
import { join } from 'node:path';
import { DeclarationReflection, type ProjectReflection, ReflectionKind } from 'typedoc';

const REPO = 'https://github.com/trainlab/trainlab/blob/main';

/** The packages with a guide and an API section: folder → entry points (package subpaths). */
export const PACKAGES: Record<string, { dir: string; entries: string[] }> = {
  tensor: { dir: 'packages/tensor', entries: ['src/index.ts', 'src/testing.ts', 'src/bench.ts'] },
  attention: { dir: 'packages/attention', entries: ['src/index.ts'] },
  diagnostics: { dir: 'packages/diagnostics', entries: ['src/index.ts'] },
  dfo: { dir: 'packages/dfo', entries: ['src/index.ts', 'src/workerObjective.ts'] },
  random: { dir: 'packages/random', entries: ['src/index.ts'] },
  runner: { dir: 'packages/runner', entries: ['src/index.ts'] },
};

/**
 * Rewrites a README's relative links for the site: other packages' folders go to their guides,
 * the repository README to the home page, anything else to the file on GitHub.
 */
export function rewriteLinks(markdown: string, fromDir: string): string {
  // Relative targets only: not a URL with a scheme, not site-absolute, not an anchor on the page.
  return markdown.replace(/\]\((?![a-z][a-z0-9+.-]*:|\/|#)([^)\s]+)\)/gi, (_, target: string) => {
    const [path = '', hash] = target.split('#');
    const abs = join(fromDir, path).replace(/\/$/, '');
    const guide = Object.entries(PACKAGES).find(([, p]) => p.dir === abs)?.[0];
    if (guide) return `](/guide/${guide}${hash ? `#${hash}` : ''})`;
    if (abs === 'apps/cli') return '](/guide/cli)';
    if (abs.replace(/\.md$/, '') === 'packages/diagnostics/docs/theory')
      return `](/theory${hash ? `#${hash}` : ''})`;
    if (abs === 'README.md' || abs === '') return '](/)';
    return `](${REPO}/${abs}${hash ? `#${hash}` : ''})`;
  });
}

/** Exported declarations (and public class members) whose doc comment is missing. */
export function undocumented(project: ProjectReflection): string[] {
  const kinds =
    ReflectionKind.Class |
    ReflectionKind.Interface |
    ReflectionKind.TypeAlias |
    ReflectionKind.Variable |
    ReflectionKind.Function |
    ReflectionKind.Enum |
    ReflectionKind.Method |
    ReflectionKind.Accessor;
  const out: string[] = [];
  for (const r of project.getReflectionsByKind(kinds)) {
    if (!(r instanceof DeclarationReflection)) continue;
    // Members count only on classes (an interface's methods are documented with the interface).
    if (r.kindOf(ReflectionKind.Method | ReflectionKind.Accessor) && !r.parent?.kindOf(ReflectionKind.Class))
      continue;
    if (r.flags.isPrivate || r.flags.isProtected || r.inheritedFrom) continue;
    const comments = [
      r.comment,
      ...(r.signatures ?? []).map((s) => s.comment),
      r.getSignature?.comment,
      r.setSignature?.comment,
    ];
    if (!comments.some((c) => c && (c.summary.length > 0 || c.blockTags.length > 0))) {
      out.push(
        `${r.getFriendlyFullName()} (${ReflectionKind.singularString(r.kind)}) in ${r.sources?.[0]?.fileName ?? '?'}`,
      );
    }
  }
  return out;
}
