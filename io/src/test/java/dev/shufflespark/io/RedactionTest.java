package dev.shufflespark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void sensitiveKeys() {
        for (String key : new String[] {"fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token",
            "fs.s3a.bucket.photos.access.key", "fs.s3a.encryption.key", "fs.azure.account.key.secret",
            "hadoop.security.credential.provider.password", "spark.ssl.keyPassword", "ANY_TOKEN"}) {
            assertTrue(Redaction.isSensitive(key), key);
        }
        for (String key : new String[] {"fs.s3a.endpoint", "fs.s3a.path.style.access", "fs.defaultFS",
            "dfs.replication", "spark.ssl.keyStore"}) {
            assertFalse(Redaction.isSensitive(key), key);
        }
        assertEquals(Redaction.MASK, Redaction.value("fs.s3a.secret.key", "abc"));
        assertEquals("http://x", Redaction.value("fs.s3a.endpoint", "http://x"));
    }

    @Test
    void configurationDumpsMaskSecrets() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.access.key", "AKIAEXAMPLEEXAMPLE");
        conf.set("fs.s3a.secret.key", "wJalrXUtnFEMI/K7MDENG");
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:9000");
        Map<String, String> shown = Redaction.toMap(conf, "fs.s3a.");
        assertEquals(Map.of("fs.s3a.access.key", Redaction.MASK, "fs.s3a.secret.key", Redaction.MASK,
                "fs.s3a.endpoint", "http://127.0.0.1:9000"), shown);
    }

    @Test
    void messagesLoseSecretValuesAndUserInfo() {
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.secret.key", "wJalrXUtnFEMI/K7MDENG");
        conf.set("fs.s3a.access.key", "AKIAEXAMPLEEXAMPLE");
        String raw = "403 for AKIAEXAMPLEEXAMPLE signing with wJalrXUtnFEMI/K7MDENG on "
                + "s3a://AKIAEXAMPLEEXAMPLE:wJalrXUtnFEMI@photos/a.jpg";
        String scrubbed = Redaction.scrub(raw, conf);
        assertFalse(scrubbed.contains("AKIAEXAMPLEEXAMPLE"), scrubbed);
        assertFalse(scrubbed.contains("wJalrXUtnFEMI"), scrubbed);
        assertTrue(scrubbed.contains("s3a://***@photos/a.jpg"), scrubbed);
        assertEquals("hdfs://nn:8020/x.jpg", Redaction.uri("hdfs://nn:8020/x.jpg"));
        assertEquals(null, Redaction.scrub(null, conf));
    }
}
