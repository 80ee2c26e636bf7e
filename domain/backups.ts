// Backups by reference, as workflows and activities pass them: where a snapshot is and how to
// reach it (Secret names, never credentials). Pure types.

/** What reaches a bucket; the credentials are a Secret's name. */
export interface S3Access {
  bucket: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentialsSecret: string;
}

/** A snapshot to restore, by reference: names and hashes, never credentials. */
export interface RestoreSource {
  location: string;
  sha256: string;
  /** How to reach the bucket of an s3:// location (the Secret by name). */
  s3?: S3Access;
  /** From the EtcdBackup when known. */
  backupName?: string;
  revision?: number;
  etcdVersion?: string;
  sizeBytes?: number;
}

/** A backup a recovery did not restore, and why (shown in status.restoredFrom.skipped and an Event). */
export interface SkippedBackup { backup: string; revision?: number; reason: string }
export interface RecoveryCandidates { candidates: RestoreSource[]; skipped: SkippedBackup[] }
