package dev.shufflespark.job.testing;

import dev.shufflespark.io.testing.S3Service;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * S3 for the job's tests: S3Proxy in this JVM on 127.0.0.1 over its in-memory store, with signatures checked,
 * and an {@link S3Front} before it that S3A talks to (which records every request and can inject faults). One
 * bucket, {@link #BUCKET}.
 */
public final class S3Store implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIAJOBFAULTSACCESS";
    public static final String SECRET_KEY = "job-faults-secret-never-printed";
    public static final String BUCKET = "archive";

    private final BlobStore store;
    private final S3Proxy proxy;
    private final S3Front front;

    public S3Store(long seed) throws Exception {
        store = new TransientNio2BlobStore();
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        store.createContainer(BUCKET);
        front = new S3Front(proxy.getPort(), seed);
    }

    public S3Front front() {
        return front;
    }

    /** {@code s3a://BUCKET/name}. */
    public String uri(String name) {
        return "s3a://" + BUCKET + "/" + name;
    }

    /**
     * S3A settings that reach the bucket through the front: path-style, plain HTTP, signed with the test's keys,
     * and S3A's own retry settings at their defaults but for shorter waits.
     */
    public Map<String, String> settings() {
        Map<String, String> m = S3Service.connection(front.endpoint(), ACCESS_KEY, SECRET_KEY);
        m.put("fs.s3a.change.detection.mode", "none");
        // How often S3A and its SDK retry (fs.s3a.attempts.maximum, fs.s3a.retry.limit,
        // fs.s3a.retry.throttle.limit) stays at the defaults, which the fault test relies on; only the waits
        // between tries (100 ms and 500 ms, doubling) are shorter.
        m.put("fs.s3a.retry.interval", "20ms");
        m.put("fs.s3a.retry.throttle.interval", "20ms");
        return m;
    }

    /** The multipart uploads under {@code dir} that nobody completed or aborted. */
    public static List<String> pendingUploads(Path dir, Configuration conf) throws IOException {
        S3AFileSystem fs = (S3AFileSystem) dir.getFileSystem(conf);
        List<String> keys = new ArrayList<>();
        RemoteIterator<MultipartUpload> it = fs.listUploads(fs.pathToKey(dir) + "/");
        while (it.hasNext()) {
            keys.add(it.next().key());
        }
        return keys;
    }

    @Override
    public void close() throws Exception {
        try {
            front.close();
        } finally {
            try {
                proxy.stop();
            } finally {
                store.close();
            }
        }
    }
}
