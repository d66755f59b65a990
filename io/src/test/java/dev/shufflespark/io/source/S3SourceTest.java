package dev.shufflespark.io.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.testing.S3Service;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The archive on S3 through S3A: S3Proxy in this JVM on 127.0.0.1 with its in-memory store. */
class S3SourceTest extends RemoteSourceContract {

    private static final String BUCKET = "images";
    private static S3Service s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = new S3Service();
        s3.createBucket(BUCKET);
        new S3SourceTest().upload();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    String root() {
        return "s3a://" + BUCKET + "/archive";
    }

    @Override
    Configuration conf() {
        return s3.configuration();
    }

    @Override
    void put(String relative, byte[] bytes) {
        s3.put(BUCKET, "archive/" + relative, bytes);
    }

    @Test
    void wrongCredentialsFailWithoutShowingThem() {
        Configuration conf = s3.configuration();
        conf.set("fs.s3a.secret.key", "a-wrong-secret-that-must-not-be-printed");
        InputException e = org.junit.jupiter.api.Assertions.assertThrows(InputException.class,
                () -> InputLister.list(List.of(root() + "/photos"), conf, ListingOptions.defaults()));
        assertTrue(e.getMessage().startsWith("input " + root() + "/photos: cannot list it"), e.getMessage());
        assertTrue(!e.getMessage().contains("a-wrong-secret-that-must-not-be-printed"), e.getMessage());
        assertTrue(!e.getMessage().contains(S3Service.SECRET_KEY), e.getMessage());
        assertEquals(Redaction.MASK, Redaction.toMap(conf, "fs.s3a.").get("fs.s3a.secret.key"));
    }
}
