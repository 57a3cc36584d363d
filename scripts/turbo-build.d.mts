/** Builds workspace packages with turbo, stdout kept clean (see turbo-build.mjs). */
export function buildQuietly(
  filter: string,
  options?: { label?: string; stream?: NodeJS.WritableStream; quiet?: boolean },
): Promise<void>;
