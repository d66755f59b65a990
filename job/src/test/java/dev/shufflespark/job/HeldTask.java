package dev.shufflespark.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * A fault test's hold on one task: the first attempt of partition {@code partition} of unit {@code unit} passes
 * its first row on to the writer, writes {@code held} (its executor id and the pid of its JVM) into a folder
 * that the test and the task share (one machine), and waits until the test writes {@code release} there: the
 * test then stops a DataNode, or kills the executor's JVM, while the task is certainly mid-write. Later attempts
 * pass every row. Executors of a standalone cluster load this class from {@link #jar}.
 */
public final class HeldTask implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {

    private static final long serialVersionUID = 1L;
    static final String HELD = "held";
    static final String RELEASE = "release";

    /** What the test learns from {@code held}; {@code partition} as in the output's {@code partition_id}. */
    public record Held(String executorId, long pid, int partition) {
    }

    private static final AtomicInteger firstPartition = new AtomicInteger(-1);

    private final int partition;
    private final String dir;

    private HeldTask(int partition, Path dir) {
        this.partition = partition;
        this.dir = dir.toString();
    }

    /**
     * Holds the first attempt of task {@code partition} (counted within the unit's job) of unit {@code unit} of
     * runs in this JVM, with {@code dir} (existing) as the shared folder; closing ends that.
     */
    public static AutoCloseable install(int unit, int partition, Path dir) {
        firstPartition.set(-1);
        ClassifyJob.seam = new TestSeam() {
            @Override
            public JavaRDD<InternalRow> rows(int u, int first, JavaRDD<InternalRow> rows) {
                if (u != unit) {
                    return rows;
                }
                firstPartition.set(first);
                return rows.mapPartitions(new HeldTask(partition, dir));
            }
        };
        return () -> ClassifyJob.seam = TestSeam.NONE;
    }

    /** Waits (at most {@code seconds}) until the task holds; then says where. */
    public static Held awaitHeld(Path dir, int seconds) throws IOException, InterruptedException {
        Path held = dir.resolve(HELD);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!Files.exists(held)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no task held within " + seconds + " s");
            }
            Thread.sleep(50);
        }
        String[] f = Files.readString(held).strip().split(" ");
        return new Held(f[0], Long.parseLong(f[1]), firstPartition.get() + Integer.parseInt(f[2]));
    }

    /** Lets the held task go on. */
    public static void release(Path dir) throws IOException {
        Files.writeString(dir.resolve(RELEASE), "go\n");
    }

    /**
     * A jar of this class, for executors in JVMs of their own ({@code spark.jars}); the job jar does not have
     * the tests' classes.
     */
    public static Path jar(Path dir) throws IOException {
        Path classes;
        try {
            classes = Path.of(HeldTask.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        String pkg = HeldTask.class.getPackageName().replace('.', '/');
        List<Path> files;
        try (Stream<Path> s = Files.list(classes.resolve(pkg))) {
            files = s.filter(p -> p.getFileName().toString().startsWith(HeldTask.class.getSimpleName()))
                    .sorted().toList();
        }
        Path jar = dir.resolve("held-task.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path f : files) {
                out.putNextEntry(new JarEntry(pkg + "/" + f.getFileName()));
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        TaskContext task = TaskContext.get();
        boolean hold = task != null && task.partitionId() == partition && task.attemptNumber() == 0;
        return new Iterator<>() {
            private int passed;

            @Override
            public boolean hasNext() {
                if (hold && passed == 1) {
                    passed++;
                    holdHere(task);
                }
                return rows.hasNext();
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                passed++;
                return rows.next();
            }
        };
    }

    private void holdHere(TaskContext task) {
        Path d = Path.of(dir);
        try {
            Path tmp = d.resolve(HELD + ".tmp");
            try (OutputStream o = Files.newOutputStream(tmp)) {
                o.write((SparkEnv.get().executorId() + " " + ProcessHandle.current().pid() + " "
                        + task.partitionId() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            Files.move(tmp, d.resolve(HELD), StandardCopyOption.ATOMIC_MOVE);
            while (!Files.exists(d.resolve(RELEASE))) {
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("held task interrupted", e);
        }
    }
}
