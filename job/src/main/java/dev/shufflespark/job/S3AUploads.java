package dev.shufflespark.job;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Multipart uploads that nobody will complete: what the S3A committers' tasks had written when their attempt was
 * killed. They are invisible but billed until aborted, and deleting the folder they were meant for does not abort
 * them. Loaded only for {@code s3a://} output.
 */
final class S3AUploads {

    private S3AUploads() {
    }

    /** Aborts the pending uploads to keys under {@code dir}; returns how many. */
    static int abortUnder(FileSystem fs, Path dir) throws IOException {
        if (!(fs instanceof S3AFileSystem s3a)) {
            return 0;
        }
        String prefix = s3a.pathToKey(dir);
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix += "/";
        }
        int aborted = 0;
        RemoteIterator<MultipartUpload> uploads = s3a.listUploads(prefix);
        while (uploads.hasNext()) {
            s3a.abortMultipartUpload(uploads.next());
            aborted++;
        }
        return aborted;
    }
}
