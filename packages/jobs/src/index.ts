// The job contract lives in @vestige/evidence (feature packages define job types without the queues); re-exported for
// queue users.
export { defineJobType, type JobType, type JobContext, type ChildJob } from '@vestige/evidence';
export { JobRegistry } from './job-registry.ts';
export type { QueueBackend, EnqueueOptions, JobRecord, JobState, QueueEvents } from './queue-backend.ts';
export { LocalQueue } from './local-queue.ts';
export { BullMqQueue, redisConnection, DEFAULT_QUEUE_NAME } from './bullmq-queue.ts';
export { BullMqWorker, type BullMqWorkerOptions } from './bullmq-worker.ts';
export { capabilityQueueName, checkCapability, capabilityMissing } from './capabilities.ts';
export { isBadInput, declinesWorker, errorInfo } from './failure.ts';
export { workerName, readFarmLog, type FarmHistory } from './farm-log.ts';
