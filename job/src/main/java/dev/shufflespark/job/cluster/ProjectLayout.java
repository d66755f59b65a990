package dev.shufflespark.job.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * This source tree, found once for every command: the bundled photographs ({@code samples/}), the job's
 * configuration file ({@code conf/shufflespark.properties}), and what the build keeps for a cluster: the JVM flags
 * ({@code conf/jvm.options}), the Spark runtime jars ({@code job/target/spark-lib/}, plus the few jars of
 * {@code job/target/lib/} that a Spark distribution has and the job jar leaves out), and the job jar for
 * executors ({@code job/target/shufflespark-job-VERSION-spark.jar}).
 *
 * @param root the repository root
 */
public record ProjectLayout(Path root) {

    /** The system property that names the repository root (bin/shufflespark sets it). */
    public static final String HOME_PROPERTY = "shufflespark.home";

    /**
     * Jars of {@code job/target/lib/} that belong to Spark's runtime, not to the job: the job jar excludes them
     * (the cluster has them), or Spark's own jars load classes from them (Parquet's Snappy codec).
     */
    private static final List<String> SPARK_RUNTIME_PREFIXES = List.of("hadoop-client-api-",
            "hadoop-client-runtime-", "commons-lang3-", "slf4j-api-", "snappy-java-", "commons-codec-", "jsr305-");

    /** The job's configuration file, relative to the root. */
    public static final String CONF_FILE = "conf/shufflespark.properties";

    /** The repository: {@code -Dshufflespark.home}, else the first folder upwards with conf/jvm.options and job/. */
    public static ProjectLayout find() {
        return locate().orElseThrow(() -> new ClusterException("cannot find the shufflespark repository (a folder "
                + "with conf/jvm.options) from " + Path.of("").toAbsolutePath() + "; set -D" + HOME_PROPERTY
                + " to it"));
    }

    /** {@link #find}, or empty when this JVM runs outside a source tree (e.g. under spark-submit on a cluster). */
    public static Optional<ProjectLayout> locate() {
        Optional<ProjectLayout> launched = launched();
        if (launched.isPresent()) {
            return launched;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("conf/jvm.options")) && Files.isDirectory(dir.resolve("job"))) {
                return Optional.of(new ProjectLayout(dir));
            }
        }
        return Optional.empty();
    }

    /** The repository named by {@code -Dshufflespark.home}, as bin/shufflespark sets it; empty otherwise. */
    public static Optional<ProjectLayout> launched() {
        String home = System.getProperty(HOME_PROPERTY);
        return home == null ? Optional.empty()
                : Optional.of(new ProjectLayout(Path.of(home).toAbsolutePath().normalize()));
    }

    /** The bundled photographs, {@code samples/}, when this JVM runs in a source tree that has them. */
    public static Optional<Path> samples() {
        return locate().map(l -> l.root().resolve("samples")).filter(Files::isDirectory);
    }

    /** The job's configuration file {@code conf/shufflespark.properties} of this tree, when it has one. */
    public Optional<Path> confFile() {
        return Optional.of(root.resolve(CONF_FILE)).filter(Files::isRegularFile);
    }

    /** The flags of conf/jvm.options, one a line, comments and blank lines skipped. */
    public List<String> jvmFlags() {
        Path file = root.resolve("conf/jvm.options");
        List<String> flags = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String flag = line.strip();
                if (!flag.isEmpty() && !flag.startsWith("#")) {
                    flags.add(flag);
                }
            }
        } catch (IOException e) {
            throw new ClusterException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return flags;
    }

    /** The default folder of a cluster's state, logs and Spark home: {@code target/cluster} under the root. */
    public Path defaultClusterDir() {
        return root.resolve("target").resolve("cluster");
    }

    /** The jars a Spark standalone Master, Worker and executor run with. */
    public List<Path> sparkJars() {
        Path sparkLib = root.resolve("job/target/spark-lib");
        Path lib = root.resolve("job/target/lib");
        if (!Files.isDirectory(sparkLib) || !Files.isDirectory(lib)) {
            throw new ClusterException("no Spark jars in " + sparkLib + "; build them first: mvn -B -DskipTests package"
                    + " -pl job -am (bin/shufflespark does it)");
        }
        List<Path> jars = new ArrayList<>(jarsIn(sparkLib));
        for (Path p : jarsIn(lib)) {
            String name = p.getFileName().toString();
            if (SPARK_RUNTIME_PREFIXES.stream().anyMatch(name::startsWith)) {
                jars.add(p);
            }
        }
        return jars;
    }

    /** The job jar that executors load our classes from; it must exist. */
    public Path jobJar() {
        Path jar = root.resolve("job/target/shufflespark-job-" + version() + "-spark.jar");
        if (!Files.isRegularFile(jar)) {
            throw new ClusterException("no job jar " + jar + "; build it first: mvn -B -DskipTests package -pl job -am"
                    + " (bin/shufflespark does it)");
        }
        return jar;
    }

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = ProjectLayout.class.getResourceAsStream("/dev/shufflespark/job/cli/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "0.1.0-SNAPSHOT");
    }

    private static List<Path> jarsIn(Path dir) {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new ClusterException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
