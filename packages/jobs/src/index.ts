export { defineJobType, type JobType, type JobContext } from './job-type.ts';
export { JobRegistry } from './job-registry.ts';
export type { QueueBackend, EnqueueOptions, JobRecord, JobState, QueueEvents } from './queue-backend.ts';
export { LocalQueue } from './local-queue.ts';
export { BullMqQueue, BullMqWorker, redisConnection, DEFAULT_QUEUE_NAME, type BullMqWorkerOptions } from './bullmq-queue.ts';
export { capabilityQueueName, checkCapability, capabilityMissing } from './capabilities.ts';
export { verifyCaseJob, ingestJob } from './evidence-jobs.ts';
