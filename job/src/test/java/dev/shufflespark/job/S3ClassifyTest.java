package dev.shufflespark.job;

import dev.shufflespark.io.testing.S3Service;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.config.OutputFormat;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The job on S3: S3Proxy in this JVM on 127.0.0.1 over an in-memory store, reached through S3A with signed
 * requests; the secret key must not appear in anything the job writes.
 */
class S3ClassifyTest extends RemoteClassifyTest {

    static final String ACCESS_KEY = "AKIAJOBTESTACCESS";
    static final String SECRET_KEY = "job-test-secret-never-printed";
    static final String BUCKET = "images";

    static BlobStore store;
    static S3Proxy proxy;

    @BeforeAll
    static void start() throws Exception {
        store = new TransientNio2BlobStore();
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        store.createContainer(BUCKET);
        spark = SparkSessions.start("local[2]", "S3ClassifyTest");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        settings().forEach(conf::set);
    }

    @AfterAll
    static void stop() throws Exception {
        if (spark != null) {
            spark.stop();
        }
        if (proxy != null) {
            proxy.stop();
        }
        if (store != null) {
            store.close();
        }
    }

    /** S3A on S3Proxy: path-style, plain HTTP, signed with the test's keys. */
    static Map<String, String> settings() {
        Map<String, String> m = S3Service.connection("http://127.0.0.1:" + proxy.getPort(), ACCESS_KEY, SECRET_KEY);
        // A few quick retries: a pooled connection that the proxy closed while idle (more likely on a loaded
        // machine) fails its next request with a broken pipe, and the SDK must be allowed to retry it.
        m.put("fs.s3a.attempts.maximum", "3");
        m.put("fs.s3a.retry.limit", "3");
        m.put("fs.s3a.retry.interval", "50ms");
        m.put("fs.s3a.change.detection.mode", "none");
        return m;
    }

    @Override
    Map<String, String> childSettings() {
        return settings();
    }

    @Override
    List<CrashCase> crashCases() {
        return List.of(new CrashCase("MID_UNIT", 2, OutputFormat.CSV), new CrashCase("UNIT_COMMITTED", 1,
                OutputFormat.PARQUET));
    }

    @Override
    String root(String name) {
        return "s3a://" + BUCKET + "/" + name;
    }

    @Override
    String[] secrets() {
        return new String[] {SECRET_KEY, ACCESS_KEY};
    }
}
