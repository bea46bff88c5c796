/** Bumped whenever the same inputs and settings can give a different reconstruction record or scene. */
export const RECONSTRUCT_OPERATION_VERSION = '1.0.0';

/** Case records of reconstructions (custody-bound like every record). */
export const RECONSTRUCTIONS_COLLECTION = 'reconstructions';
