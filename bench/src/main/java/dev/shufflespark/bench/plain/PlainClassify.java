package dev.shufflespark.bench.plain;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.shufflespark.bench.Args;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The yardstick: image classification on Spark as a competent user writes it without shufflespark, with Spark
 * 4.2, ONNX Runtime and the JDK's ImageIO. It uses nothing of this project (its class path is Spark and ONNX
 * Runtime alone), so that the end-to-end benchmark compares our whole job with the obvious alternative.
 *
 * <ul>
 *   <li>Input: Spark's {@code binaryFile} source over a folder (recursive, {@code *.jpg}), so Spark lists and
 *       splits the files and reads each file's bytes in the task.</li>
 *   <li>Decode: {@code ImageIO.read} with the JDK's own readers and their defaults (no colour-profile handling
 *       beyond that, no EXIF orientation, no source subsampling). A file ImageIO cannot read is a row with
 *       status {@code ERROR} and the reason, never a failed task.</li>
 *   <li>Preprocess, torchvision's ImageNet pipeline: shorter side resized to 256 (longer side
 *       {@code int(256 * long / short)}), centre crop 224x224 (offset {@code round((size - 224) / 2)}, Python's rounding), RGB
 *       scaled to [0, 1] and normalised with the ImageNet mean and standard deviation, NCHW. The resize is Java
 *       2D's bilinear interpolation in halving steps (each step at most 2x; the usual Java way to downscale
 *       without aliasing, as Pillow's antialiased bilinear filter does it in one pass).</li>
 *   <li>Inference: one ONNX Runtime session per executor JVM, built from a broadcast of the model's bytes by the
 *       first task that needs it and shared by the JVM's task threads, with {@code spark.task.cpus} intra-op
 *       threads (one by default: Spark runs one task per core); batches of {@code --batch} images; softmax and
 *       top-k in Java.</li>
 *   <li>Output: Parquet, one row per image: path, width, height, status, error, class_index, probability.</li>
 * </ul>
 *
 * <pre>java -cp bench/target/classes:bench/target/plain-lib/'*' dev.shufflespark.bench.plain.PlainClassify \
 *     --input DIR --output DIR --model model.onnx [--batch 8] [--top-k 5] [--master local[*]]</pre>
 *
 * Pass the class path in {@code CLASSPATH} or an {@code @argfile}: ONNX Runtime's native library has crashed
 * when the JVM's command line was longer than about 4 KB.
 */
public final class PlainClassify {

    static final int RESIZE = 256;
    static final int CROP = 224;
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    private PlainClassify() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = Args.parse(args, "--input", "--output", "--model", "--batch", "--top-k", "--master");
        String input = Args.required(a, "--input");
        String output = Args.required(a, "--output");
        Path model = Path.of(Args.required(a, "--model"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", "8"));
        int topK = Integer.parseInt(a.getOrDefault("--top-k", "5"));
        System.setProperty("java.awt.headless", "true");

        long t0 = System.nanoTime();
        SparkSession spark = SparkSession.builder()
                .appName("plain classify")
                .master(a.getOrDefault("--master", "local[*]"))
                .getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<byte[]> modelBytes = jsc.broadcast(Files.readAllBytes(model));
            Dataset<Row> files = spark.read().format("binaryFile")
                    .option("pathGlobFilter", "*.jpg")
                    .option("recursiveFileLookup", "true")
                    .load(input)
                    .select("path", "content");
            Dataset<Row> labels = files.mapPartitions(new Classify(modelBytes, batch, topK),
                    Encoders.row(schema()));
            labels.write().parquet(output);
            Row counts = spark.read().parquet(output)
                    .selectExpr("count(*)", "count_if(status = 'OK')").first();
            System.out.printf(Locale.ROOT, "plain classify: %d images, %d classified, %.1f s%n", counts.getLong(0),
                    counts.getLong(1), (System.nanoTime() - t0) / 1e9);
        } finally {
            spark.stop();
        }
    }

    static StructType schema() {
        return new StructType()
                .add("path", DataTypes.StringType, false)
                .add("width", DataTypes.IntegerType, false)
                .add("height", DataTypes.IntegerType, false)
                .add("status", DataTypes.StringType, false)
                .add("error", DataTypes.StringType, true)
                .add("class_index", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }

    /** One ONNX Runtime session per executor JVM, for the model of one broadcast. */
    static final class Sessions {
        private static long broadcastId = -1;
        private static OrtSession session;

        private Sessions() {
        }

        static synchronized OrtSession get(Broadcast<byte[]> model, int threads) throws OrtException {
            if (session == null || broadcastId != model.id()) {
                if (session != null) {
                    session.close();
                }
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                    options.setIntraOpNumThreads(threads);
                    options.setInterOpNumThreads(1);
                    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    session = OrtEnvironment.getEnvironment().createSession(model.value(), options);
                }
                broadcastId = model.id();
            }
            return session;
        }
    }

    /** Classifies one partition of (path, content) rows, in batches. */
    static final class Classify implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> model;
        private final int batch;
        private final int topK;

        Classify(Broadcast<byte[]> model, int batch, int topK) {
            this.model = model;
            this.batch = batch;
            this.topK = topK;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> files) throws OrtException {
            TaskContext task = TaskContext.get();
            int threads = task == null ? 1 : Math.max(1, task.cpus());
            OrtSession session = Sessions.get(model, threads);
            String inputName = session.getInputNames().iterator().next();
            int plane = CROP * CROP;
            FloatBuffer tensor = ByteBuffer.allocateDirect(batch * 3 * plane * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            float[] pixels = new float[3 * plane];
            List<Row> out = new ArrayList<>();
            List<String> paths = new ArrayList<>(batch);
            List<int[]> sizes = new ArrayList<>(batch);
            // Rows are produced a batch at a time, so that a partition never holds more than a batch of images.
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < out.size()) {
                        return true;
                    }
                    out.clear();
                    next = 0;
                    try {
                        fill();
                    } catch (OrtException e) {
                        throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
                    }
                    return !out.isEmpty();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return out.get(next++);
                }

                /** Decodes up to a batch of good images (bad ones become rows at once) and classifies them. */
                private void fill() throws OrtException {
                    paths.clear();
                    sizes.clear();
                    tensor.clear();
                    while (paths.size() < batch && files.hasNext()) {
                        Row f = files.next();
                        String path = f.getString(0);
                        byte[] bytes = (byte[]) f.get(1);
                        BufferedImage image;
                        try {
                            image = ImageIO.read(new ByteArrayInputStream(bytes));
                        } catch (IOException | RuntimeException e) {
                            out.add(RowFactory.create(path, 0, 0, "ERROR", String.valueOf(e), null, null));
                            continue;
                        }
                        if (image == null) {
                            out.add(RowFactory.create(path, 0, 0, "ERROR", "not an image ImageIO can read", null,
                                    null));
                            continue;
                        }
                        preprocess(image, pixels);
                        tensor.put(pixels);
                        paths.add(path);
                        sizes.add(new int[] {image.getWidth(), image.getHeight()});
                    }
                    int n = paths.size();
                    if (n == 0) {
                        return;
                    }
                    tensor.flip();
                    OrtEnvironment env = OrtEnvironment.getEnvironment();
                    try (OnnxTensor x = OnnxTensor.createTensor(env, tensor, new long[] {n, 3, CROP, CROP});
                         OrtSession.Result result = session.run(Map.of(inputName, x))) {
                        float[][] logits = (float[][]) result.get(0).getValue();
                        for (int i = 0; i < n; i++) {
                            int[] classes = new int[topK];
                            float[] probabilities = new float[topK];
                            top(softmax(logits[i]), classes, probabilities);
                            out.add(RowFactory.create(paths.get(i), sizes.get(i)[0], sizes.get(i)[1], "OK", null,
                                    boxed(classes), boxed(probabilities)));
                        }
                    }
                }
            };
        }
    }

    /**
     * torchvision's {@code Resize(256)}, {@code CenterCrop(224)}, {@code ToTensor()} and
     * {@code Normalize(mean, std)}: {@code image} into {@code out}, CHW.
     */
    static void preprocess(BufferedImage image, float[] out) {
        int w = image.getWidth();
        int h = image.getHeight();
        int rw;
        int rh;
        if (w <= h) {
            rw = RESIZE;
            rh = (int) ((long) RESIZE * h / w);
        } else {
            rh = RESIZE;
            rw = (int) ((long) RESIZE * w / h);
        }
        BufferedImage resized = resize(image, rw, rh);
        // Python's round(), as torchvision's center_crop uses it: halves go to the even neighbour.
        int left = (int) Math.rint((rw - CROP) / 2.0);
        int top = (int) Math.rint((rh - CROP) / 2.0);
        int[] argb = resized.getRGB(left, top, CROP, CROP, null, 0, CROP);
        int plane = CROP * CROP;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            out[i] = (((p >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
            out[plane + i] = (((p >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
            out[2 * plane + i] = ((p & 0xff) / 255f - MEAN[2]) / STD[2];
        }
    }

    /** Bilinear resize to {@code tw x th}, in steps that at most halve each side. */
    static BufferedImage resize(BufferedImage image, int tw, int th) {
        BufferedImage current = image;
        int w = image.getWidth();
        int h = image.getHeight();
        do {
            w = w > 2 * tw ? (w + 1) / 2 : tw;
            h = h > 2 * th ? (h + 1) / 2 : th;
            BufferedImage step = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = step.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(current, 0, 0, w, h, null);
            g.dispose();
            current = step;
        } while (w != tw || h != th);
        return current;
    }

    static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = (float) Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (p[i] / sum);
        }
        return p;
    }

    /** The {@code classes.length} most probable classes, most probable first (ties: lower index first). */
    static void top(float[] p, int[] classes, float[] probabilities) {
        int k = classes.length;
        int n = 0;
        for (int c = 0; c < p.length; c++) {
            if (n < k || p[c] > probabilities[n - 1]) {
                int i = n < k ? n++ : k - 1;
                while (i > 0 && probabilities[i - 1] < p[c]) {
                    probabilities[i] = probabilities[i - 1];
                    classes[i] = classes[i - 1];
                    i--;
                }
                probabilities[i] = p[c];
                classes[i] = c;
            }
        }
    }

    private static Integer[] boxed(int[] v) {
        Integer[] b = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }

    private static Float[] boxed(float[] v) {
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }
}
