package dev.shufflespark.io.testing;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A real S3 endpoint for tests: S3Proxy in this JVM on 127.0.0.1 (a free port), over its transient
 * in-memory store, with V2/V4 signatures checked against a fixed key pair. {@link #configuration()} gives
 * the S3A settings that reach it.
 */
public final class S3Service implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access-key-AKIA";
    public static final String SECRET_KEY = "test-secret-key-do-not-print";

    private final BlobStore store;
    private final S3Proxy proxy;

    public S3Service() throws Exception {
        store = new TransientNio2BlobStore();
        proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    public void createBucket(String bucket) {
        store.createContainer(bucket);
    }

    /** Stores an object directly in the blob store, without going through S3A. */
    public void put(String bucket, String key, byte[] bytes) {
        store.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) bytes.length).build(),
                new ByteArrayInputStream(bytes));
    }

    /**
     * The S3A settings that reach an S3Proxy at {@code endpoint}: path-style access, no TLS, signed with the given
     * keys. Retries and the rest are each caller's.
     */
    public static Map<String, String> connection(String endpoint, String accessKey, String secretKey) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fs.s3a.endpoint", endpoint);
        m.put("fs.s3a.endpoint.region", "us-east-1");
        m.put("fs.s3a.path.style.access", "true");
        m.put("fs.s3a.connection.ssl.enabled", "false");
        m.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        m.put("fs.s3a.access.key", accessKey);
        m.put("fs.s3a.secret.key", secretKey);
        return m;
    }

    /** S3A settings for this endpoint: path-style access, no TLS, simple credentials, quick retries. */
    public Configuration configuration() {
        Configuration conf = new Configuration();
        connection(endpoint(), ACCESS_KEY, SECRET_KEY).forEach(conf::set);
        // A few quick retries: a pooled connection that the proxy closed while idle (more likely on a loaded
        // machine) fails its next request with a broken pipe, and the SDK must be allowed to retry it.
        conf.set("fs.s3a.attempts.maximum", "3");
        conf.set("fs.s3a.retry.limit", "3");
        conf.set("fs.s3a.retry.interval", "50ms");
        conf.set("fs.s3a.impl.disable.cache", "true");
        return conf;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        store.close();
    }
}
