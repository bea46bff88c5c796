/**
 * Bumped whenever the same inputs and settings can give a different reconstruction record or scene (1.1.0: the
 * uncertainty basis no longer repeats the ± figures).
 */
export const RECONSTRUCT_OPERATION_VERSION = '1.1.0';

/** Case records of reconstructions (custody-bound like every record). */
export const RECONSTRUCTIONS_COLLECTION = 'reconstructions';
