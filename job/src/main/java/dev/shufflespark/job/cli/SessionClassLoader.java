package dev.shufflespark.job.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The context class loader while a local run's SparkSession is built: its parent in everything, except that the
 * service files naming Spark ML's session extension ({@value #ML_EXTENSION}) are not found, so the session does
 * not register ML's SQL functions on vectors. Spark loads session extensions with the context class loader; the
 * job never calls those functions, and registering them initialises Scala's runtime reflection on the driver's
 * critical path (about a second of a short run's start). Other extensions are found as usual.
 */
final class SessionClassLoader extends ClassLoader {

    static final String SERVICE = "META-INF/services/org.apache.spark.sql.SparkSessionExtensionsProvider";
    static final String ML_EXTENSION = "org.apache.spark.sql.ml.InternalFunctionRegistration";

    static {
        registerAsParallelCapable();
    }

    SessionClassLoader(ClassLoader parent) {
        super(parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        Enumeration<URL> all = super.getResources(name);
        if (!SERVICE.equals(name)) {
            return all;
        }
        List<URL> kept = new ArrayList<>();
        while (all.hasMoreElements()) {
            URL url = all.nextElement();
            if (!namesOnlyMl(url)) {
                kept.add(url);
            }
        }
        return Collections.enumeration(kept);
    }

    /** True when the service file at {@code url} names the ML extension and no other provider. */
    private static boolean namesOnlyMl(URL url) {
        String text;
        try (InputStream in = url.openStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false; // ServiceLoader reports it as it would have
        }
        boolean ml = false;
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String provider = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (provider.isEmpty()) {
                continue;
            }
            if (!provider.equals(ML_EXTENSION)) {
                return false;
            }
            ml = true;
        }
        return ml;
    }
}
