import type { ThumbnailView } from '@vestige/hashing';
import { VestigeError } from '@vestige/evidence/errors';

/** `--thumbnails`: how contact sheets show images (groups and categorise share it). */
export async function parseView(value: unknown): Promise<ThumbnailView> {
  const { THUMBNAIL_VIEWS } = await import('@vestige/hashing');
  if (value === undefined) return 'protected';
  if (typeof value === 'string' && (THUMBNAIL_VIEWS as readonly string[]).includes(value))
    return value as ThumbnailView;
  throw new VestigeError(
    'E_USAGE',
    `--thumbnails must be one of ${THUMBNAIL_VIEWS.join(', ')}, not '${String(value)}'`,
  );
}
