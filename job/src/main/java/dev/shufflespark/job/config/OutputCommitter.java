package dev.shufflespark.job.config;

import java.util.Locale;

/**
 * Who commits the rows of a unit ({@code output.committer}). On HDFS and local disks Spark's standard committer
 * renames each task's files into place, which is atomic and cheap there; on S3 a rename is a copy of every byte
 * followed by a delete, neither atomic nor cheap, so there Hadoop's S3A committers commit instead.
 */
public enum OutputCommitter {
    /** The S3A magic committer for {@code s3a://} output, Spark's standard committer anywhere else (the default). */
    AUTO,
    /** Spark's standard committer (Hadoop's FileOutputCommitter, by rename) on every file system. */
    FILE,
    /**
     * The S3A magic committer: tasks write their files straight to S3 as multipart uploads left incomplete, the
     * unit's commit completes them. Needs nothing but S3 ({@code s3a://} output only).
     */
    MAGIC,
    /**
     * The S3A directory (staging) committer: tasks write to local disk and upload at task commit, their pending
     * uploads listed on the cluster's file system ({@code fs.s3a.committer.staging.tmp.path}), completed at the
     * unit's commit ({@code s3a://} output only).
     */
    DIRECTORY;

    static OutputCommitter parse(String key, String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, value, "must be auto, file, magic or directory");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
